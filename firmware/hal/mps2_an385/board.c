/*
 * board.c - the mps2-an385 board: the core on an emulated Cortex-M3 (QEMU), its host link
 * on UART0, its time from TIMER0, and a simulated front end (no output stage exists).
 *
 * Time: TIMER0 counts down from 0xFFFFFFFF at 25 MHz, never stopped; its complement is a
 * free-running up-count, extended to 64 bits (timebase.h; the main loop reads it at least
 * every 5 ms, the counter wraps every 171.8 s) and divided to microseconds. SysTick is not
 * counted: QEMU collapses late ticks, which lost 1-3 % of time in issue 15's measurements.
 *
 * Host link: UART0's RX interrupt moves bytes into a 512-byte ring; the main loop hands
 * them to the core. TX is polled (QEMU does not model the baud rate). Bytes sent while no
 * host has QEMU's pty open are lost, so BOOT is held until the first host frame (D7).
 *
 * Main loop: receive, run the core at every instant it asked for (at that instant: QEMU
 * may run the emulated CPU late, and a microcontroller would have been on time), then
 * sleep in WFI until the next byte or TIMER1, armed as a one-shot alarm at the core's
 * next due time. Interrupts are masked from the last check to WFI (a pending interrupt
 * still ends WFI), so no byte can slip in unnoticed.
 */
#include <stdbool.h>
#include <stdint.h>

#include "cmsdk.h"
#include "core.h"
#include "hal.h"
#include "mps2.h"
#include "timebase.h"

#define RX_RING_LEN 512u /* a power of two */
#define TX_SPIN_LIMIT 100000u
#define CHANNELS 2u
#define BATTERY_MV 3950u
#define BATTERY_PCT 87u
#define LEAD_IMPEDANCE_OHM 820u

static tc_core_t core;
static tc_counter_ext_t clock_ext;

static volatile uint8_t rx_ring[RX_RING_LEN];
static volatile uint32_t rx_head; /* written by the interrupt */
static volatile uint32_t rx_tail; /* written by the main loop */
static volatile uint32_t rx_dropped;

/* --- the simulated front end ------------------------------------------------------------ */
static bool gate_open[CHANNELS + 1u];
static uint32_t driven_ua[CHANNELS + 1u];

void board_outputs_off(void)
{
    /* a real board drives its output-enable pins low here, before anything else */
    for (unsigned n = 0u; n <= CHANNELS; n++) {
        gate_open[n] = false;
        driven_ua[n] = 0u;
    }
}

static bool valid(uint8_t channel)
{
    return channel >= 1u && channel <= CHANNELS;
}

void tc_hal_output_enable(uint8_t channel)
{
    if (valid(channel)) {
        gate_open[channel] = true;
    }
}

void tc_hal_output_disable(uint8_t channel)
{
    if (valid(channel)) {
        gate_open[channel] = false;
        driven_ua[channel] = 0u;
    }
}

void tc_hal_output_drive(uint8_t channel, uint32_t amplitude_ua, const tc_setpoint_t *shape)
{
    (void)shape;
    if (valid(channel)) {
        driven_ua[channel] = amplitude_ua;
    }
}

uint32_t tc_hal_delivered_ua(uint8_t channel)
{
    return valid(channel) && gate_open[channel] ? driven_ua[channel] : 0u;
}

tc_lead_t tc_hal_lead(uint8_t channel, uint16_t *impedance_ohm)
{
    *impedance_ohm = valid(channel) ? (uint16_t)LEAD_IMPEDANCE_OHM : (uint16_t)TC_IMPEDANCE_OPEN;
    return valid(channel) ? TC_LEAD_OK : TC_LEAD_OFF;
}

uint16_t tc_hal_battery_mv(uint8_t *percent)
{
    *percent = BATTERY_PCT;
    return BATTERY_MV;
}

bool tc_hal_self_test(void)
{
    return true;
}

bool tc_hal_hardware_ok(void)
{
    return true;
}

void tc_hal_event(const tc_event_t *event)
{
    (void)event; /* no log on this board */
}

/* --- UART0 ------------------------------------------------------------------------------- */
void tc_hal_write(const uint8_t *bytes, size_t len)
{
    for (size_t i = 0u; i < len; i++) {
        uint32_t spins = 0u;
        while ((UART_STATE(UART0_BASE) & UART_STATE_TX_FULL) != 0u && spins < TX_SPIN_LIMIT) {
            spins++;
        }
        if (spins < TX_SPIN_LIMIT) {
            UART_DATA(UART0_BASE) = bytes[i];
        }
    }
}

/* Move every byte UART0 holds into the ring. Clearing the interrupt before reading, not
 * after, matters: a byte that lands between the last read and a late clear would wait in
 * DATA with no interrupt to announce it, and the link would stall. */
static void uart_take(void)
{
    UART_INTCLEAR(UART0_BASE) = UART_INT_RX;
    while ((UART_STATE(UART0_BASE) & UART_STATE_RX_FULL) != 0u) {
        uint8_t byte = (uint8_t)UART_DATA(UART0_BASE);
        uint32_t head = rx_head;
        if (head - rx_tail < RX_RING_LEN) {
            rx_ring[head % RX_RING_LEN] = byte;
            rx_head = head + 1u;
        } else {
            rx_dropped++; /* the frame is lost: the host's retry copes */
        }
    }
    UART_STATE(UART0_BASE) = UART_STATE_RX_OVERRUN; /* write 1 to clear */
}

void uart0_rx_handler(void)
{
    uart_take();
}

static void uart_init(void)
{
    UART_BAUDDIV(UART0_BASE) = PCLK_HZ / 115200u;
    UART_CTRL(UART0_BASE) = UART_CTRL_TX_EN | UART_CTRL_RX_EN | UART_CTRL_RX_IRQ;
    NVIC_ISER0 = 1u << UART0_RX_IRQ;
}

/* --- time ---------------------------------------------------------------------------------- */
static uint64_t now_us(void)
{
    uint32_t up = ~TIMER_VALUE(TIMER0_BASE); /* a down-counter, complemented */
    return tc_counter_extend(&clock_ext, up) / TICKS_PER_US;
}

void timer1_handler(void)
{
    TIMER_CTRL(TIMER1_BASE) = 0u; /* one shot: it only ends a WFI */
    TIMER_INTCLEAR(TIMER1_BASE) = 1u;
}

static void alarm_in(uint64_t us)
{
    uint64_t ticks = us * TICKS_PER_US;
    if (ticks < TICKS_PER_US) {
        ticks = TICKS_PER_US;
    }
    if (ticks > 0x0FFFFFFFu) {
        ticks = 0x0FFFFFFFu;
    }
    TIMER_CTRL(TIMER1_BASE) = 0u;
    TIMER_INTCLEAR(TIMER1_BASE) = 1u;
    TIMER_VALUE(TIMER1_BASE) = (uint32_t)ticks;
    TIMER_RELOAD(TIMER1_BASE) = (uint32_t)ticks;
    TIMER_CTRL(TIMER1_BASE) = TIMER_CTRL_ENABLE | TIMER_CTRL_IRQ;
}

static void timers_init(void)
{
    TIMER_CTRL(TIMER0_BASE) = 0u;
    TIMER_RELOAD(TIMER0_BASE) = 0xFFFFFFFFu;
    TIMER_VALUE(TIMER0_BASE) = 0xFFFFFFFFu;
    TIMER_CTRL(TIMER0_BASE) = TIMER_CTRL_ENABLE;
    tc_counter_init(&clock_ext, ~TIMER_VALUE(TIMER0_BASE));
    NVIC_ISER0 = 1u << TIMER1_IRQ;
}

/* --- the main loop ------------------------------------------------------------------------- */
static void drain_rx(void)
{
    uint8_t chunk[64];
    for (;;) {
        size_t n = 0u;
        while (n < sizeof chunk && rx_tail != rx_head) {
            chunk[n++] = rx_ring[rx_tail % RX_RING_LEN];
            rx_tail = rx_tail + 1u;
        }
        if (n == 0u) {
            return;
        }
        tc_core_receive(&core, chunk, n, now_us());
    }
}

int main(void)
{
    timers_init();
    uart_init();
    tc_config_t config = {CHANNELS, TC_BOOT_POWER_ON, true};
    if (!tc_core_init(&core, &config, now_us())) {
        for (;;) {
            __asm__ volatile("wfi"); /* outputs are off; stay so */
        }
    }
    for (;;) {
        drain_rx();
        /* every instant the core asked for, at that instant (QEMU may run this CPU late) */
        uint64_t t = now_us();
        for (unsigned guard = 0u; guard < 10000u; guard++) {
            uint64_t due = tc_core_next_due_us(&core);
            if (!tc_time_reached(t, due)) {
                break;
            }
            tc_core_poll(&core, due);
        }
        tc_core_poll(&core, t);
        uint64_t due = tc_core_next_due_us(&core);
        alarm_in(due > t ? due - t : 0u);
        __asm__ volatile("cpsid i" ::: "memory");
        uart_take(); /* a byte the interrupt has not announced yet */
        if (rx_tail == rx_head && !tc_time_reached(now_us(), due)) {
            __asm__ volatile("wfi"); /* a pending interrupt ends it even while masked */
        }
        __asm__ volatile("cpsie i" ::: "memory");
    }
}
