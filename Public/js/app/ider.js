// SPDX-License-Identifier: Apache-2.0
// IDE-R (mounting a disk image on the device as a CD or floppy) on the KVM page: the image
// picker and start/stop controls.
// TODO(#5): the server side of IDE-R (relay mode=ider, who speaks the IDE-R/ATAPI protocol and
// how the image reaches it) is being defined on the relay branch; until it lands the controls
// are shown but disabled, and no session is opened.

import { h } from './dom.js';

/** Accepted images: ISO 9660 CD images and raw floppy images. */
export const IMAGE_TYPES = '.iso,.img,.ima';

/** Which IDE-R device an image is mounted as, from its name. */
export function imageKind(name) {
  return /\.iso$/i.test(name) ? 'cd' : 'floppy';
}

export function mountIder(container, _ctx, _guid) {
  const picker = h('input', { type: 'file', id: 'ider-image', accept: IMAGE_TYPES, disabled: true,
    'aria-label': 'Disk image' });
  const start = h('button', { type: 'button', id: 'ider-start', disabled: true }, 'Start IDE-R');
  const stop = h('button', { type: 'button', id: 'ider-stop', disabled: true }, 'Stop IDE-R');
  const note = h('p', { class: 'hint', id: 'ider-note' },
    'IDE-R is not available on this server yet.');
  container.append(h('section', { class: 'card', id: 'ider' }, h('h3', {}, 'IDE-R (remote disk)'),
    h('div', { class: 'toolbar' }, picker, start, stop), note));
  return () => {};
}
