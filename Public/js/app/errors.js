// SPDX-License-Identifier: Apache-2.0
// Readable text for what went wrong, from an RpcError (docs/rpc.md codes) or anything else.

import { Codes } from './rpc.js';

/** One sentence for the operator. `what` names the operation ("Power off"). */
export function describeError(error, what = '') {
  const prefix = what ? `${what} failed: ` : '';
  if (!error || typeof error !== 'object') return `${prefix}unknown error.`;
  const d = error.data && typeof error.data === 'object' ? error.data : {};
  switch (error.code) {
  case Codes.NOT_CONNECTED:
    return `${prefix}the device is offline (no CIRA connection).`;
  case Codes.DEVICE_TIMEOUT:
    return `${prefix}the device did not answer in time. It may be busy or its link is slow.`;
  case Codes.DEVICE_ERROR: {
    const detail = d.detail ? ` ${d.detail}` : '';
    const status = d.upstreamStatus ? ` (AMT answered HTTP ${d.upstreamStatus})` : '';
    return `${prefix}the device reported an error.${detail}${status}`.trim();
  }
  case Codes.UNAUTHORIZED:
    return `${prefix}your session has ended; please log in again.`;
  case Codes.FORBIDDEN:
    return `${prefix}you are not allowed to do this.`;
  case Codes.CONFLICT:
    return `${prefix}it conflicts with the current state (${error.message}).`;
  case Codes.VALIDATION: case Codes.INVALID_PARAMS: {
    const field = d.field ? ` (field ${d.field})` : '';
    return `${prefix}${error.message}${field}.`;
  }
  case Codes.NOT_AVAILABLE:
    return `${prefix}not available on this server or device (${error.message}).`;
  case Codes.CLIENT_TIMEOUT:
    return `${prefix}no answer from the server in time.`;
  case Codes.DISCONNECTED:
    return `${prefix}the connection to the server was lost; it will reconnect.`;
  default:
    return `${prefix}${error.message || 'unknown error'}.`;
  }
}

/** True when the error is "the device wants user consent first". */
export function needsConsent(error) {
  if (!error || typeof error !== 'object') return false;
  const text = `${error.message || ''} ${(error.data && error.data.detail) || ''}`;
  return error.code === Codes.DEVICE_ERROR && /consent|opt-?in/i.test(text);
}
