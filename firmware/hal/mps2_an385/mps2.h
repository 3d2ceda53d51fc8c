/*
 * mps2.h - what startup.c needs of the board (board.c).
 */
#ifndef TC_MPS2_H
#define TC_MPS2_H

#define UART0_RX_IRQ_NUMBER 0
#define TIMER1_IRQ_NUMBER 9

/* Every output stage off; safe to call before the C runtime is set up. */
void board_outputs_off(void);
void uart0_rx_handler(void);
void timer1_handler(void);

#endif
