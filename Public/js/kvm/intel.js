// SPDX-License-Identifier: Apache-2.0
// Intel's RFB extensions carried in cut-text messages (spec §2.6 item 13): the KVM data
// channel ("\0KvmDataChannel\0" + payload) and KvmExtCmd ("\0KvmExtCmd\0" + cmd + value).

const DATA_CHANNEL = latin1('\0KvmDataChannel\0');
const EXT_CMD = latin1('\0KvmExtCmd\0');

/** KvmExtCmd command numbers. */
export const KvmExtCommand = Object.freeze({
  GET_DECIMATION: 1,
  SET_DECIMATION: 2, // value 1 disable, 2 auto, 3 enable
  GET_COMPRESSION: 3,
  SET_COMPRESSION: 4, // value 0 off (AMT then sends stored deflate blocks), 1 on
});

function latin1(s) {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function startsWith(bytes, prefix) {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/**
 * Classifies ServerCutText contents: `{ kind: 'datachannel', payload }`,
 * `{ kind: 'extcmd', command, data }` or `{ kind: 'text', text }` (Latin-1, per RFC 6143).
 */
export function parseCutText(bytes) {
  if (startsWith(bytes, DATA_CHANNEL)) {
    return { kind: 'datachannel', payload: bytes.slice(DATA_CHANNEL.length) };
  }
  if (startsWith(bytes, EXT_CMD) && bytes.length > EXT_CMD.length) {
    return { kind: 'extcmd', command: bytes[EXT_CMD.length],
      data: bytes.slice(EXT_CMD.length + 1) };
  }
  return { kind: 'text', text: String.fromCharCode(...bytes.subarray(0, 65536)) };
}

/** ClientCutText body for a KvmExtCmd; `value` is omitted for the "get" commands. */
export function kvmExtCmdText(command, value) {
  const tail = value === undefined ? [command] : [command, value];
  return Uint8Array.from([...EXT_CMD, ...tail]);
}

/** ClientCutText body for the data channel (a bare one is MC's HWKVM keep-alive). */
export function dataChannelText(payload = new Uint8Array(0)) {
  return Uint8Array.from([...DATA_CHANNEL, ...payload]);
}
