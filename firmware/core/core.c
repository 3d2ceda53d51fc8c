/*
 * core.c - the entry points a board calls, and what every module shares: the core's
 * time, sending one frame, reporting one event, the board's channel capabilities.
 */
#include "core.h"

#include "bytes.h"
#include "core_internal.h"
#include "hal.h"

static const tc_caps_t board_caps = {
    .max_amplitude_ua = TC_BOARD_MAX_AMPLITUDE_UA,
    .rate_min_mhz = TC_BOARD_RATE_MIN_MHZ,
    .rate_max_mhz = TC_BOARD_RATE_MAX_MHZ,
    .width_min_us = TC_BOARD_WIDTH_MIN_US,
    .width_max_us = TC_BOARD_WIDTH_MAX_US,
    .waveforms = TC_BOARD_WAVEFORMS,
    .patterns = TC_BOARD_PATTERNS,
    .burst_rate_min_mhz = TC_BOARD_BURST_RATE_MIN_MHZ,
    .burst_rate_max_mhz = TC_BOARD_BURST_RATE_MAX_MHZ,
    .pulses_per_burst_min = TC_BOARD_PULSES_MIN,
    .pulses_per_burst_max = TC_BOARD_PULSES_MAX,
};

const tc_caps_t *tc_board_caps(void)
{
    return &board_caps;
}

void tc_send(tc_core_t *core, uint8_t type, uint16_t seq, size_t payload_len)
{
    if (payload_len == 0u) {
        return; /* every device frame has a payload: 0 is an encoder's refusal, send nothing */
    }
    size_t len = tc_tx_finish(&core->tx, core->version, type, seq, payload_len);
    if (len != 0u) {
        tc_hal_write(core->tx.wire, len);
    }
}

void tc_report(tc_core_t *core, tc_event_kind_t kind, uint8_t channel, uint32_t a, uint32_t b,
               uint32_t c)
{
    tc_event_t event = {kind, core->now_us, channel, a, b, c};
    tc_hal_event(&event);
}

/* The core's time moves to now_us; a board clock that stepped back is held. */
static void advance(tc_core_t *core, uint64_t now_us)
{
    core->now_us = tc_time_later(now_us, core->now_us);
}

bool tc_core_init(tc_core_t *core, const tc_config_t *config, uint64_t now_us)
{
    /* output off before anything else, on every channel the board has */
    for (uint8_t n = 1u; n <= TC_BOARD_MAX_CHANNELS; n++) {
        tc_hal_output_disable(n);
    }
    tc_zero((uint8_t *)core, sizeof *core);
    if (config->channel_count == 0u || config->channel_count > TC_BOARD_MAX_CHANNELS) {
        return false;
    }
    core->config = *config;
    core->now_us = now_us;
    core->boot_us = now_us;
    core->version = TC_PROTOCOL_MAJOR;
    core->battery_pct = 255u;
    tc_rx_init(&core->rx);
    tc_dev_reset(core);
    tc_tm_reset(core);
    tc_report(core, TC_EV_BOOT, 0u, (uint32_t)config->reason, 0u, 0u);
    core->boot_pending = config->hold_boot;
    if (!core->boot_pending) {
        tc_tm_send_boot(core); /* before any other frame */
    }
    /* conditions that still hold (a lead off, a low battery) latch again at once */
    tc_dev_service(core);
    tc_tm_flush_event(core);
    return true;
}

void tc_core_poll(tc_core_t *core, uint64_t now_us)
{
    advance(core, now_us);
    tc_dev_service(core);
    tc_tm_periodic(core);
    tc_tm_flush_event(core);
}

void tc_core_receive(tc_core_t *core, const uint8_t *bytes, size_t len, uint64_t now_us)
{
    tc_core_poll(core, now_us); /* the frames are judged at the state of their arrival */
    for (size_t i = 0; i < len; i++) {
        tc_frame_t frame;
        tc_rx_result_t result = tc_rx_push(&core->rx, bytes[i], &frame);
        if (result == TC_RX_FRAME) {
            tc_req_handle(core, &frame);
            tc_tm_flush_event(core);
        } else if (result == TC_RX_DROPPED) {
            tc_report(core, TC_EV_FRAME_ERROR, 0u, (uint32_t)core->rx.last_drop,
                      core->rx.last_drop_len, 0u);
        }
    }
}

uint64_t tc_core_next_due_us(const tc_core_t *core)
{
    uint64_t due = core->now_us + TC_BOARD_CONTROL_TICK_US;
    due = tc_dev_next_due(core, due);
    due = tc_tm_next_due(core, due);
    return tc_time_later(due, core->now_us);
}

void tc_core_hardware_fault(tc_core_t *core, uint64_t now_us)
{
    advance(core, now_us);
    tc_dev_latch_device(core, TC_FAULT_INTERNAL);
    tc_tm_flush_event(core);
}

uint8_t tc_core_all_faults(const tc_core_t *core)
{
    uint8_t all = core->device_faults;
    for (uint8_t n = 1u; n <= core->config.channel_count; n++) {
        all = (uint8_t)(all | core->channels[n - 1u].faults);
    }
    return all;
}

const tc_channel_t *tc_core_channel(const tc_core_t *core, uint8_t channel)
{
    if (channel == 0u || channel > core->config.channel_count) {
        return (const tc_channel_t *)0;
    }
    return &core->channels[channel - 1u];
}

uint32_t tc_core_frame_errors(const tc_core_t *core)
{
    return core->rx.frame_errors;
}
