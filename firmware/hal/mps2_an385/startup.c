/*
 * startup.c - reset and vectors of the mps2-an385 board (Cortex-M3).
 *
 * The reset handler's first act is to turn every output off (board_outputs_off), before
 * the C runtime is set up: on real hardware pull resistors hold the outputs off already
 * (hal.h, guarantee 1); this is the firmware's own second "off". Then .data is copied,
 * .bss zeroed, and main() runs; it never returns.
 *
 * GCC may call memcpy and memset even in freestanding code (struct copies, zeroing
 * loops): the two are defined here, byte by byte, since no C library is linked.
 */
#include <stddef.h>
#include <stdint.h>

#include "mps2.h"

/* Linker symbols (link.ld). Their extents are computed as addresses, not by comparing
 * pointers to different objects, which C leaves undefined. */
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];

int main(void);
void reset_handler(void);
void default_handler(void);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++) {
        d[i] = s[i];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    for (size_t i = 0; i < n; i++) {
        d[i] = (uint8_t)c;
    }
    return dst;
}

void reset_handler(void)
{
    board_outputs_off();
    size_t data_words = ((uintptr_t)_edata - (uintptr_t)_sdata) / sizeof(uint32_t);
    for (size_t i = 0; i < data_words; i++) {
        _sdata[i] = _sidata[i];
    }
    size_t bss_words = ((uintptr_t)_ebss - (uintptr_t)_sbss) / sizeof(uint32_t);
    for (size_t i = 0; i < bss_words; i++) {
        _sbss[i] = 0u;
    }
    main();
    for (;;) {
        /* main never returns; if it did, the hardware watchdog would reset the MCU */
    }
}

/* Faults and unexpected interrupts: outputs off, then wait for the watchdog's reset. */
void default_handler(void)
{
    board_outputs_off();
    for (;;) {
    }
}

#define IRQ_COUNT 32u

typedef void (*vector_t)(void);

/* The vector table: initial stack, 15 system exceptions, then the AN385's interrupts. */
__attribute__((section(".vectors"), used)) static const vector_t vectors[16u + IRQ_COUNT] = {
    [0] = (vector_t)(uintptr_t)_estack,
    [1] = reset_handler,
    [2] = default_handler, /* NMI */
    [3] = default_handler, /* HardFault */
    [4] = default_handler, /* MemManage */
    [5] = default_handler, /* BusFault */
    [6] = default_handler, /* UsageFault */
    [11] = default_handler, /* SVCall */
    [12] = default_handler, /* DebugMon */
    [14] = default_handler, /* PendSV */
    [15] = default_handler, /* SysTick */
    [16u + UART0_RX_IRQ_NUMBER] = uart0_rx_handler,
    [16u + TIMER1_IRQ_NUMBER] = timer1_handler,
};
