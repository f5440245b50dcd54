// SPDX-License-Identifier: Apache-2.0
// Power states and actions (CIM_PowerManagementService numbers; spec api.md §2.3) and the
// boot-option actions the server maps to boot settings plus a reset or power-up.

/** What `amt.powerState` reports, as words. */
const STATES = new Map([
  [2, 'on'], [3, 'sleep (light)'], [4, 'sleep (deep)'], [5, 'power cycle'],
  [6, 'off (hard)'], [7, 'hibernate'], [8, 'off (soft)'], [9, 'power cycle (hard)'],
  [10, 'reset'], [11, 'NMI'], [12, 'off (soft, graceful)'], [13, 'off (hard, graceful)'],
  [14, 'reset (graceful)'], [15, 'power cycle (soft, graceful)'],
  [16, 'power cycle (hard, graceful)'], [17, 'diagnostic interrupt'],
]);

export function powerStateName(n) {
  return STATES.get(Number(n)) || `state ${n}`;
}

/** True for the states where the PC is running (KVM and SOL need S0). */
export function isOn(n) { return Number(n) === 2; }

/** Plain power actions for `amt.powerAction`, in menu order. */
export const POWER_ACTIONS = Object.freeze([
  { action: 2, label: 'Power up' },
  { action: 8, label: 'Power off (soft)' },
  { action: 6, label: 'Power off (hard)' },
  { action: 12, label: 'Soft-off (graceful)' },
  { action: 10, label: 'Reset' },
  { action: 14, label: 'Soft reset (graceful)' },
  { action: 5, label: 'Power cycle' },
  { action: 4, label: 'Sleep' },
  { action: 7, label: 'Hibernate' },
  { action: 11, label: 'NMI (diagnostic interrupt)' },
]);

/** Boot-option actions for `amt.bootOptions` (with `useSOL`). */
export const BOOT_ACTIONS = Object.freeze([
  { action: 100, label: 'Power up to BIOS setup' },
  { action: 101, label: 'Reset to BIOS setup' },
  { action: 104, label: 'Reset to secure erase' },
  { action: 200, label: 'Reset to IDE-R floppy' },
  { action: 201, label: 'Power up to IDE-R floppy' },
  { action: 202, label: 'Reset to IDE-R CD' },
  { action: 203, label: 'Power up to IDE-R CD' },
  { action: 300, label: 'Power up to diagnostics' },
  { action: 301, label: 'Reset to diagnostics' },
  { action: 400, label: 'Reset to PXE' },
  { action: 401, label: 'Power up to PXE' },
]);

/** The label for an action number, plain or boot. */
export function actionLabel(action) {
  const a = Number(action);
  const found = POWER_ACTIONS.find((x) => x.action === a) || BOOT_ACTIONS.find((x) => x.action === a);
  return found ? found.label : `action ${a}`;
}

/**
 * True when AMT accepted a power or boot action: `ReturnValue` 0, in either the flat RPC
 * shape or the REST `{Body: {...}}` shape.
 */
export function accepted(result) {
  const body = result && result.Body ? result.Body : result;
  return !!body && Number(body.ReturnValue) === 0;
}

/** "SUCCESS" / "NOT_READY" / ... from a power result, for messages. */
export function returnText(result) {
  const body = result && result.Body ? result.Body : result;
  if (!body) return 'no answer';
  return body.ReturnValueStr || `ReturnValue ${body.ReturnValue}`;
}
