import type { RgbImage } from '../imaging/rgb.js';
import type { Manifest } from './manifest.js';

/**
 * What the engine is fed: plain text (tokenised without special-token parsing), a control token by its literal, or an
 * image (expanded into its `<|image_pad|>` block). Only the template produces `special` segments, never user text.
 */
export type Segment = { readonly text: string } | { readonly special: string } | { readonly image: RgbImage };

/**
 * Splits a manifest template string into control tokens and literal text, substituting `{name}` slots with plain text.
 * The image template's `<|image_pad|>` is where the image block goes.
 */
export function templateSegments(manifest: Manifest, template: string, slots: Record<string, string> = {}, image?: RgbImage): Segment[] {
  const st = manifest.special_tokens;
  const literals = [st.im_start, st.im_end, st.endoftext, st.vision_start, st.vision_end, st.image_pad, st.video_pad];
  const slotNames = Object.keys(slots).map((s) => `{${s}}`);
  const pattern = new RegExp([...literals, ...slotNames].map(escapeRegExp).join('|'), 'g');
  const out: Segment[] = [];
  let last = 0;
  for (const m of template.matchAll(pattern)) {
    if (m.index > last) out.push({ text: template.slice(last, m.index) });
    const tok = m[0];
    if (slotNames.includes(tok)) out.push({ text: slots[tok.slice(1, -1)]! });
    else if (tok === st.image_pad) {
      if (!image) throw new Error('template has an image slot but no image was given');
      out.push({ image });
    } else out.push({ special: tok });
    last = m.index + tok.length;
  }
  if (last < template.length) out.push({ text: template.slice(last) });
  return out.filter((s) => !('text' in s) || s.text.length > 0);
}

/** The ChatML prompt of one question: system, user turn (images first, then the text), and the assistant header. */
export function buildPrompt(manifest: Manifest, images: readonly RgbImage[], userText: string): Segment[] {
  const t = manifest.chat_template;
  return [
    ...templateSegments(manifest, t.system, { system: manifest.system_prompt }),
    ...templateSegments(manifest, t.user_start),
    ...images.flatMap((img) => templateSegments(manifest, t.image, {}, img)),
    { text: userText },
    ...templateSegments(manifest, t.user_end),
    ...templateSegments(manifest, t.assistant_start),
  ].filter((s) => !('text' in s) || s.text.length > 0);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
