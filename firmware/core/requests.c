/*
 * requests.c - host frames, in the order of section 3, and their one answer each.
 *
 *   1. STOP (0x03): stops, whatever the version byte and the payload (D1);
 *   2. HELLO (0x01): handled whatever the version byte (D4);
 *   3. any other type in another version byte: NAK UNSUPPORTED_VERSION, nothing else;
 *   4. an unknown type: NAK UNKNOWN_TYPE;
 *   5. the request's own checks, in its section's order.
 * Only frames in the negotiated version byte refresh the watchdog (section 7).
 * Every answer echoes the request's seq and is written in the version in force.
 */
#include "checks.h"
#include "core_internal.h"
#include "hal.h"

static bool is_request(uint8_t type)
{
    return type >= (uint8_t)TC_MSG_HELLO && type <= (uint8_t)TC_MSG_HEARTBEAT;
}

static void nak(tc_core_t *core, const tc_frame_t *frame, tc_nak_code_t code, uint8_t field)
{
    tc_report(core, TC_EV_NAK, 0u, frame->type, (uint32_t)code, field);
    size_t len = tc_encode_nak(tc_tx_payload(&core->tx), TC_MAX_PAYLOAD, frame->type,
                               (uint8_t)code, field);
    tc_send(core, (uint8_t)TC_MSG_NAK, frame->seq, len);
}

static void ack(tc_core_t *core, const tc_frame_t *frame, const uint8_t *echo, size_t echo_len)
{
    size_t len =
        tc_encode_ack(tc_tx_payload(&core->tx), TC_MAX_PAYLOAD, frame->type, echo, echo_len);
    tc_send(core, (uint8_t)TC_MSG_ACK, frame->seq, len);
}

static void on_stop(tc_core_t *core, const tc_frame_t *frame)
{
    /* the payload is ignored (D1); output is 0 on every channel when this returns */
    tc_dev_stop_all(core);
    tc_report(core, TC_EV_STOP, 0u, 0u, 0u, 0u);
    ack(core, frame, (const uint8_t *)0, 0u);
}

static uint8_t select_version(const tc_hello_t *hello)
{
    /* the highest version in both ranges; min above max is a range with none in it */
    uint8_t low = hello->min_version > TC_PROTOCOL_MAJOR ? hello->min_version
                                                         : (uint8_t)TC_PROTOCOL_MAJOR;
    uint8_t high = hello->max_version < TC_PROTOCOL_MAJOR ? hello->max_version
                                                          : (uint8_t)TC_PROTOCOL_MAJOR;
    return low <= high ? high : 0u;
}

static void on_hello(tc_core_t *core, const tc_frame_t *frame)
{
    tc_hello_t hello;
    if (!tc_decode_hello(frame->payload, frame->payload_len, &hello)) {
        nak(core, frame, TC_NAK_BAD_LENGTH, 0u);
        return;
    }
    uint8_t selected = select_version(&hello);
    if (selected != 0u) {
        core->version = selected; /* in force before the IDENTITY is written */
    }
    tc_report(core, TC_EV_HELLO, 0u, selected, 0u, 0u);
    static const char model[] = TC_BOARD_MODEL;
    static const char serial[] = TC_BOARD_SERIAL;
    tc_caps_t caps[TC_MAX_CHANNELS_ON_WIRE];
    for (uint8_t i = 0u; i < core->config.channel_count; i++) {
        caps[i] = *tc_board_caps();
    }
    tc_identity_t id = {
        .selected_version = selected,
        .minor_version = TC_PROTOCOL_MINOR,
        .device_min_version = TC_PROTOCOL_MAJOR,
        .device_max_version = TC_PROTOCOL_MAJOR,
        .flags = TC_BOARD_FLAGS,
        .firmware = {TC_BOARD_FIRMWARE_MAJOR, TC_BOARD_FIRMWARE_MINOR, TC_BOARD_FIRMWARE_PATCH},
        .model = model,
        .model_len = (uint8_t)(sizeof model - 1u),
        .serial_number = serial,
        .serial_number_len = (uint8_t)(sizeof serial - 1u),
        .watchdog_min_ms = TC_BOARD_WATCHDOG_MIN_MS,
        .watchdog_max_ms = TC_BOARD_WATCHDOG_MAX_MS,
        .watchdog_default_ms = TC_BOARD_WATCHDOG_DEFAULT_MS,
        .telemetry_period_ms = TC_TELEMETRY_PERIOD_MS,
        .slew_ua_per_s = TC_BOARD_SLEW_UA_PER_S,
        .channel_count = core->config.channel_count,
        .caps = caps,
    };
    size_t len = tc_encode_identity(tc_tx_payload(&core->tx), TC_MAX_PAYLOAD, &id);
    tc_send(core, (uint8_t)TC_MSG_IDENTITY, frame->seq, len);
}

static void on_start(tc_core_t *core, const tc_frame_t *frame)
{
    tc_start_t start;
    if (!tc_decode_start(frame->payload, frame->payload_len, &start)) {
        nak(core, frame, TC_NAK_BAD_LENGTH, 0u);
        return;
    }
    tc_refusal_t refusal = tc_check_start_fields(&start, core->config.channel_count,
                                                 TC_BOARD_WATCHDOG_MIN_MS,
                                                 TC_BOARD_WATCHDOG_MAX_MS);
    if (refusal.code == TC_ACCEPTED_CODE && !tc_dev_self_test(core)) {
        /* the one refusal that changes state: the device cannot stimulate safely */
        tc_dev_latch_device(core, TC_FAULT_INTERNAL);
        refusal.code = (uint8_t)TC_NAK_INTERNAL;
        refusal.field = 0u;
    }
    if (refusal.code == TC_ACCEPTED_CODE) {
        refusal = tc_check_start_conditions(&start, core->battery_mv,
                                            TC_BOARD_BATTERY_RESTART_MV,
                                            tc_dev_lead_off_mask(core));
    }
    if (refusal.code != TC_ACCEPTED_CODE) {
        nak(core, frame, (tc_nak_code_t)refusal.code, refusal.field);
        return;
    }
    start.watchdog_ms = tc_dev_start(core, start.channel_mask, start.watchdog_ms);
    tc_report(core, TC_EV_START, 0u, start.channel_mask, start.watchdog_ms, 0u);
    uint8_t echo[TC_START_LEN];
    size_t echo_len = tc_encode_start(echo, sizeof echo, &start);
    ack(core, frame, echo, echo_len);
}

static void on_set(tc_core_t *core, const tc_frame_t *frame)
{
    tc_setpoint_t set;
    if (!tc_decode_set(frame->payload, frame->payload_len, &set)) {
        nak(core, frame, TC_NAK_BAD_LENGTH, 0u);
        return;
    }
    tc_set_context_t ctx = {
        .running = core->state == (uint8_t)TC_STATE_RUNNING,
        .channel_count = core->config.channel_count,
        .enabled_mask = 0u,
        .faulted_mask = 0u,
        .caps = tc_board_caps(),
    };
    for (uint8_t n = 1u; n <= core->config.channel_count; n++) {
        const tc_channel_t *ch = &core->channels[n - 1u];
        uint8_t bit = (uint8_t)(1u << (n - 1u));
        ctx.enabled_mask = (uint8_t)(ctx.enabled_mask | (ch->enabled ? bit : 0u));
        ctx.faulted_mask = (uint8_t)(ctx.faulted_mask | (ch->faults != 0u ? bit : 0u));
    }
    tc_refusal_t refusal = tc_check_set(&set, &ctx);
    if (refusal.code != TC_ACCEPTED_CODE) {
        nak(core, frame, (tc_nak_code_t)refusal.code, refusal.field);
        return;
    }
    /* an amplitude-0 SET on a faulted channel is acknowledged and stores nothing (D9) */
    if (core->channels[set.channel - 1u].faults == 0u) {
        tc_dev_apply_set(core, &set);
    }
    tc_report(core, TC_EV_SET, set.channel, set.amplitude_ua, set.rate_mhz, set.phase_width_us);
    uint8_t echo[TC_SET_LEN];
    size_t echo_len = tc_encode_set(echo, sizeof echo, &set);
    ack(core, frame, echo, echo_len);
}

static void on_heartbeat(tc_core_t *core, const tc_frame_t *frame)
{
    if (frame->payload_len != TC_HEARTBEAT_LEN) {
        nak(core, frame, TC_NAK_BAD_LENGTH, 0u);
        return;
    }
    ack(core, frame, (const uint8_t *)0, 0u);
}

void tc_req_handle(tc_core_t *core, const tc_frame_t *frame)
{
    if (core->boot_pending) {
        tc_tm_send_boot(core); /* a held BOOT goes out right before the first answer */
    }
    bool in_force = frame->version == core->version;
    if (in_force && is_request(frame->type)) {
        tc_dev_refresh_watchdog(core); /* NAKed ones too: the session's host is alive */
    }
    if (frame->type == (uint8_t)TC_MSG_STOP) {
        on_stop(core, frame);
        return;
    }
    if (frame->type == (uint8_t)TC_MSG_HELLO) {
        on_hello(core, frame);
        return;
    }
    if (!in_force) {
        nak(core, frame, TC_NAK_UNSUPPORTED_VERSION, 0u);
        return;
    }
    switch (frame->type) {
    case TC_MSG_START:
        on_start(core, frame);
        break;
    case TC_MSG_SET:
        on_set(core, frame);
        break;
    case TC_MSG_HEARTBEAT:
        on_heartbeat(core, frame);
        break;
    default:
        nak(core, frame, TC_NAK_UNKNOWN_TYPE, 0u);
        break;
    }
}
