/*
 * cmsdk.h - the few ARM CMSDK peripherals of the MPS2 AN385 image that this board uses
 * (QEMU's mps2-an385 machine models them): APB timers, APB UART0, the NVIC and SCB.
 * Addresses and IRQ numbers from the AN385 application note; PCLK is 25 MHz.
 */
#ifndef TC_MPS2_CMSDK_H
#define TC_MPS2_CMSDK_H

#include <stdint.h>

#define REG(addr) (*(volatile uint32_t *)(addr))

#define PCLK_HZ 25000000u
#define TICKS_PER_US 25u

/* APB timers: count down from VALUE, reload from RELOAD, interrupt at 0 if enabled. */
#define TIMER0_BASE 0x40000000u
#define TIMER1_BASE 0x40001000u
#define TIMER_CTRL(b) REG((b) + 0x00u)
#define TIMER_VALUE(b) REG((b) + 0x04u)
#define TIMER_RELOAD(b) REG((b) + 0x08u)
#define TIMER_INTCLEAR(b) REG((b) + 0x0Cu)
#define TIMER_CTRL_ENABLE 0x01u
#define TIMER_CTRL_IRQ 0x08u
#define TIMER1_IRQ 9u

/* APB UART0. */
#define UART0_BASE 0x40004000u
#define UART_DATA(b) REG((b) + 0x00u)
#define UART_STATE(b) REG((b) + 0x04u)
#define UART_CTRL(b) REG((b) + 0x08u)
#define UART_INTCLEAR(b) REG((b) + 0x0Cu)
#define UART_BAUDDIV(b) REG((b) + 0x10u)
#define UART_STATE_TX_FULL 0x01u
#define UART_STATE_RX_FULL 0x02u
#define UART_STATE_RX_OVERRUN 0x08u
#define UART_CTRL_TX_EN 0x01u
#define UART_CTRL_RX_EN 0x02u
#define UART_CTRL_RX_IRQ 0x08u
#define UART_INT_RX 0x02u
#define UART0_RX_IRQ 0u

/* NVIC and the system control block. */
#define NVIC_ISER0 REG(0xE000E100u)
#define SCB_AIRCR REG(0xE000ED0Cu)
#define SCB_AIRCR_RESET (0x05FA0000u | 0x04u) /* VECTKEY, SYSRESETREQ */

#endif
