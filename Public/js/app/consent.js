// SPDX-License-Identifier: Apache-2.0
// User consent (spec redirection.md §4.3): when the device requires consent for what we are
// about to open and it has not been given yet, ask AMT to show a 6-digit code on the PC's
// screen, let the operator type it, send it, and cancel the request if they give up.

import { accepted, returnText } from './power.js';
import { describeError } from './errors.js';
import { dialog, h } from './dom.js';

/** optInState values (0 not started, 1 requested, 2 displayed, 3 received, 4 in session). */
export const OPT_IN_NAMES = Object.freeze(['not started', 'requested', 'code displayed',
  'consent received', 'in session']);

/** True when `features` say the operator must get consent before opening `mode`. */
export function consentNeeded(features, mode) {
  if (!features) return false;
  const granted = features.optInState === 3 || features.optInState === 4;
  if (granted) return false;
  if (features.userConsent === 'all') return true;
  return features.userConsent === 'kvm' && mode === 'kvm';
}

/** A code as typed -> its number, or null unless it is 6 digits. */
export function parseConsentCode(text) {
  const t = String(text).trim();
  return /^\d{6}$/.test(t) ? Number(t) : null;
}

/**
 * Runs the consent dialog. `report(text)` shows progress. Resolves true when consent was
 * given, false when the operator cancelled. Throws (RpcError) when AMT refuses to start.
 */
export async function askConsent(ctx, guid, report = () => {}) {
  report('Asking the device to show a consent code…');
  const started = await ctx.rpc.call('amt.userConsent.request', { guid });
  // AMT answers non-zero when a request is already running; the code is still on screen.
  if (!accepted(started) && !/ALREADY|IN_PROGRESS/i.test(returnText(started))) {
    throw new Error(`the device would not start user consent (${returnText(started)})`);
  }
  const input = h('input', { id: 'consent-code', inputmode: 'numeric', autocomplete: 'off',
    maxlength: 6, pattern: '[0-9]{6}', 'aria-label': 'Consent code', required: true });
  const message = h('p', { class: 'status', id: 'consent-message', role: 'status' });
  const content = h('div', {},
    h('p', {}, 'A 6-digit code is now shown on the device\'s screen. Ask the person at the ' +
      'device to read it to you, and type it here.'), input, message);
  report('Waiting for the consent code…');
  const result = await dialog('User consent', content,
    [{ label: 'Cancel', value: 'cancel' }, { label: 'Send code', value: 'send', primary: true }],
    { onChoose: async (choice) => {
      if (choice !== 'send') {
        try { await ctx.rpc.call('amt.userConsent.cancel', { guid }); } catch { /* best effort */ }
        return true;
      }
      const code = parseConsentCode(input.value);
      if (code === null) {
        message.textContent = 'The code is 6 digits.';
        message.className = 'status error';
        return false;
      }
      message.textContent = 'Sending the code…';
      message.className = 'status busy';
      try {
        const r = await ctx.rpc.call('amt.userConsent.send', { guid, code });
        if (accepted(r)) return true;
        message.textContent = `The device refused the code (${returnText(r)}). Try again.`;
      } catch (e) {
        message.textContent = describeError(e, 'Sending the code');
      }
      message.className = 'status error';
      input.select();
      return false;
    } });
  return result === 'send';
}

/**
 * Before KVM/SOL/IDE-R: reads the features and runs the dialog when needed. Resolves to
 * `{ok, features}`; ok false when the operator cancelled.
 */
export async function ensureConsent(ctx, guid, mode, report = () => {}) {
  report('Checking whether user consent is needed…');
  const features = await ctx.rpc.call('amt.features', { guid });
  if (!consentNeeded(features, mode)) return { ok: true, features };
  const ok = await askConsent(ctx, guid, report);
  return { ok, features };
}
