// SPDX-License-Identifier: Apache-2.0
// The one error type of the KVM viewer: a protocol violation or unsupported server
// behaviour. Messages name the problem, never credentials or tokens.

export class RfbError extends Error {
  constructor(message) {
    super(message);
    this.name = 'RfbError';
  }
}
