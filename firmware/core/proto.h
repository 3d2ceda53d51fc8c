/*
 * proto.h - the wire protocol's constants (firmware_protocol.md, version 1.1).
 *
 * Numbers only, no code: message types (section 4), NAK codes (4.8), fault bits (7),
 * states, lead states, waveforms, patterns, BOOT reasons, and the framing bounds of
 * section 2. Units are in the names (_MS milliseconds, _US microseconds, _UA microamperes).
 */
#ifndef TC_PROTO_H
#define TC_PROTO_H

#include <stdint.h>

#define TC_PROTOCOL_MAJOR 1u
#define TC_PROTOCOL_MINOR 1u

/* Framing (section 2): raw = version type seq(u16) payload crc(u32). */
#define TC_HEADER_LEN 4u
#define TC_CRC_LEN 4u
#define TC_MAX_PAYLOAD 240u
#define TC_MIN_RAW_LEN (TC_HEADER_LEN + TC_CRC_LEN)                  /* 8 */
#define TC_MAX_RAW_LEN (TC_HEADER_LEN + TC_MAX_PAYLOAD + TC_CRC_LEN) /* 248 */
#define TC_MAX_STUFFED_LEN (TC_MAX_RAW_LEN + 1u)                     /* 249 */
/* A receiver never buffers more than this (section 2, rule 2). */
#define TC_RX_BUFFER_LEN 250u
/* A stuffed frame and its delimiter. */
#define TC_MAX_WIRE_LEN (TC_MAX_STUFFED_LEN + 1u)

/* IDENTITY and TELEMETRY carry 1 to 6 channels (section 4, decision D2). */
#define TC_MAX_CHANNELS_ON_WIRE 6u
#define TC_MAX_ID_STRING_LEN 24u

/* Timing (section 8). */
#define TC_TELEMETRY_PERIOD_MS 50u
#define TC_EVENT_FRAME_MS 10u
#define TC_OVER_DELIVERY_MS 200u
#define TC_WATCHDOG_FLOOR_MS 100u
#define TC_WATCHDOG_CEILING_MS 1000u

/* Over-delivery allowance (section 7): min(setpoint * 20 // 100, 2000) uA. */
#define TC_OVER_DELIVERY_PERCENT 20u
#define TC_OVER_DELIVERY_CAP_UA 2000u

/* Payload lengths of the requests (section 4). */
#define TC_HELLO_LEN 2u
#define TC_START_LEN 3u
#define TC_SET_LEN 18u
#define TC_HEARTBEAT_LEN 0u
#define TC_NAK_LEN 3u
#define TC_BOOT_LEN 1u
#define TC_IDENTITY_FIXED_LEN 23u
#define TC_IDENTITY_CHANNEL_LEN 28u
#define TC_TELEMETRY_FIXED_LEN 14u
#define TC_TELEMETRY_CHANNEL_LEN 12u

/* Impedance reported for an open lead or one not measured, ohm. */
#define TC_IMPEDANCE_OPEN 0xFFFFu

/* Message types (section 4). */
typedef enum {
    TC_MSG_HELLO = 0x01,
    TC_MSG_START = 0x02,
    TC_MSG_STOP = 0x03,
    TC_MSG_SET = 0x04,
    TC_MSG_HEARTBEAT = 0x05,
    TC_MSG_IDENTITY = 0x81,
    TC_MSG_ACK = 0x82,
    TC_MSG_NAK = 0x83,
    TC_MSG_TELEMETRY = 0xA0,
    TC_MSG_BOOT = 0xA1
} tc_msg_type_t;

/* NAK codes (section 4.8). */
typedef enum {
    TC_NAK_BAD_LENGTH = 1,
    TC_NAK_UNKNOWN_TYPE = 2,
    TC_NAK_UNSUPPORTED_VERSION = 3,
    TC_NAK_BAD_CHANNEL = 4,
    TC_NAK_OUT_OF_RANGE = 5,
    TC_NAK_BAD_STATE = 6,
    TC_NAK_FAULT_LATCHED = 7,
    TC_NAK_LEAD_OFF = 8,
    TC_NAK_LOW_BATTERY = 9,
    TC_NAK_INTERNAL = 10
} tc_nak_code_t;

/* Fault bits (section 7). The first three belong to a channel, the rest to the device. */
typedef enum {
    TC_FAULT_NONE = 0x00,
    TC_FAULT_LEAD_OFF = 0x01,
    TC_FAULT_OVER_DELIVERY = 0x02,
    TC_FAULT_OVER_CURRENT = 0x04,
    TC_FAULT_LOW_BATTERY = 0x08,
    TC_FAULT_HOST_LOST = 0x10,
    TC_FAULT_INTERNAL = 0x20
} tc_fault_t;

#define TC_CHANNEL_FAULTS (TC_FAULT_LEAD_OFF | TC_FAULT_OVER_DELIVERY | TC_FAULT_OVER_CURRENT)
#define TC_DEVICE_FAULTS (TC_FAULT_LOW_BATTERY | TC_FAULT_HOST_LOST | TC_FAULT_INTERNAL)

typedef enum { TC_STATE_IDLE = 0, TC_STATE_RUNNING = 1 } tc_state_t;
typedef enum { TC_LEAD_OK = 0, TC_LEAD_OFF = 1 } tc_lead_t;
typedef enum { TC_WAVE_SYMMETRIC = 0, TC_WAVE_ASYMMETRIC = 1 } tc_waveform_t;
typedef enum { TC_PATTERN_CONTINUOUS = 0, TC_PATTERN_BURST = 1 } tc_pattern_t;
#define TC_WAVEFORM_COUNT 2u
#define TC_PATTERN_COUNT 2u

/* IDENTITY flags (section 4.2). */
#define TC_FLAG_SIMULATOR 0x01u

/* BOOT reasons (section 4.10). */
typedef enum {
    TC_BOOT_POWER_ON = 0,
    TC_BOOT_MCU_WATCHDOG = 1,
    TC_BOOT_BROWN_OUT = 2,
    TC_BOOT_SOFTWARE_RESET = 3,
    TC_BOOT_UNKNOWN = 255
} tc_boot_reason_t;

#endif
