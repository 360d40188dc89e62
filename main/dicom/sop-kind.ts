/**
 * What a valid DICOM file that is not an image is, from its SOP Class UID (PS3.4 B.5): the import counts each kind
 * so that nothing it read goes unaccounted for.
 */
import type { NonImageKind } from '../api/studies.js';

const STORAGE = '1.2.840.10008.5.1.4.1.1.';
const KEY_OBJECT_SELECTION = `${STORAGE}88.59`;

/** The non-image kind a SOP class names, or null when it may hold pixels (an image class or one we do not know). */
export function nonImageKindOf(sopClassUid: string): Exclude<NonImageKind, 'dicomdir' | 'other'> | null {
  const uid = sopClassUid.replace(/\0/g, '').trim();
  if (uid === KEY_OBJECT_SELECTION) return 'ko';
  if (uid.startsWith(`${STORAGE}88.`)) return 'sr';
  if (uid.startsWith(`${STORAGE}11.`)) return 'pr'; // grayscale, colour, pseudo-colour, blending, XA/XRF … presentation states
  if (uid.startsWith(`${STORAGE}104.`)) return 'document'; // encapsulated PDF, CDA, STL, OBJ, MTL
  if (uid.startsWith(`${STORAGE}9.`)) return 'waveform'; // ECG, haemodynamic, audio, respiratory …
  return null;
}
