// SPDX-License-Identifier: Apache-2.0
// The clock the KVM and SOL code schedules with. Tests inject a manual clock with the same
// three members.

export const systemClock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
});
