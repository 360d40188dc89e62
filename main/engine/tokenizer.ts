import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelPackageError, packagePath, type ModelPackage } from './manifest.js';

type SpecialName = 'im_start' | 'im_end' | 'endoftext' | 'vision_start' | 'vision_end' | 'image_pad' | 'video_pad';

/**
 * The model's BPE tokenizer. Two ways in, kept apart on purpose:
 * - `encodeText` for every text that did not come from the model (questions, passages, captions, injected tags): it runs
 *   normaliser → pre-tokeniser → BPE directly, skipping the added-token splitter, so `<|im_end|>` inside a passage becomes
 *   ordinary pieces (`<`, `|`, `im`, …) and can never end a turn;
 * - `encodeSpecial` for the template's control tokens, by manifest name, with ids from tokenizer.json's added_tokens.
 */
export class ModelTokenizer {
  private readonly tok: Tokenizer;
  private readonly specialIds = new Map<string, number>();
  private readonly addedIds: ReadonlySet<number>;
  private readonly byteLevel: boolean;

  constructor(tokenizerJson: object, private readonly specials: Record<SpecialName, string> & { eos: string[] }) {
    this.tok = new Tokenizer(tokenizerJson, {});
    this.byteLevel = (tokenizerJson as { decoder?: { type?: string } }).decoder?.type === 'ByteLevel';
    const added = this.tok.get_added_tokens_decoder();
    this.addedIds = new Set(added.keys());
    for (const [id, t] of added) this.specialIds.set(t.content, id);
    for (const name of ['im_start', 'im_end', 'endoftext', 'vision_start', 'vision_end', 'image_pad', 'video_pad'] as const) {
      if (!this.specialIds.has(specials[name])) throw new ModelPackageError(`tokenizer.json has no added token ${specials[name]} (${name})`);
    }
    for (const e of specials.eos) if (!this.specialIds.has(e)) throw new ModelPackageError(`tokenizer.json has no added token ${e} (eos)`);
  }

  static load(pkg: ModelPackage): ModelTokenizer {
    const path = packagePath(pkg.dir, pkg.manifest.files.tokenizer.path);
    let json: object;
    try {
      json = JSON.parse(readFileSync(path, 'utf8')) as object;
    } catch (err) {
      throw new ModelPackageError(`${path} is not a readable tokenizer.json: ${(err as Error).message}`);
    }
    return new ModelTokenizer(json, pkg.manifest.special_tokens);
  }

  /** Plain text → ids, never producing an added/special token. */
  encodeText(text: string): number[] {
    if (text.length === 0) return [];
    const t = this.tok;
    const normalised = t.normalizer ? t.normalizer(text) : text;
    const words = t.pre_tokenizer ? t.pre_tokenizer(normalised, { section_index: 0 }) : [normalised];
    const pieces: string[] = t.model!(words);
    return pieces.map((p: string) => {
      const id = t.model!.tokens_to_ids.get(p);
      if (id === undefined) throw new Error(`tokenizer produced an unknown piece ${JSON.stringify(p)}`);
      if (this.addedIds.has(id)) throw new Error(`plain text encoded to the added token ${JSON.stringify(p)}`); // cannot happen with byte-level BPE
      return id;
    });
  }

  /** The id of a control token, by its manifest name (`im_end`) or literal (`<|im_end|>`). */
  encodeSpecial(nameOrLiteral: string): number {
    const literal = (this.specials as Record<string, unknown>)[nameOrLiteral];
    const content = typeof literal === 'string' ? literal : nameOrLiteral;
    const id = this.specialIds.get(content);
    if (id === undefined) throw new Error(`unknown special token ${nameOrLiteral}`);
    return id;
  }

  eosIds(): number[] {
    return this.specials.eos.map((e) => this.encodeSpecial(e));
  }

  isAdded(id: number): boolean {
    return this.addedIds.has(id);
  }

  decode(ids: number[]): string {
    return ids.length === 0 ? '' : this.tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  /**
   * An incremental detokeniser: give it each new id, get the text it completes. For byte-level BPE each token maps to
   * bytes, fed through one streaming UTF-8 decoder, so a character split across tokens comes out whole and the cost per
   * token is constant (decoding the whole output every step would be quadratic). Other decoders fall back to re-decoding.
   */
  streamDecoder(): (id: number) => string {
    if (!this.byteLevel) {
      const ids: number[] = [];
      let emitted = '';
      return (id) => {
        ids.push(id);
        const text = this.decode(ids);
        const ready = text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
        if (!ready.startsWith(emitted)) return '';
        const piece = ready.slice(emitted.length);
        emitted = ready;
        return piece;
      };
    }
    const utf8 = new TextDecoder('utf-8');
    const byteOf = byteDecoder();
    return (id) => {
      if (this.addedIds.has(id)) return utf8.decode() + (this.tok.id_to_token(id) ?? '');
      const piece = this.tok.id_to_token(id) ?? '';
      const bytes = new Uint8Array(piece.length);
      let n = 0;
      for (const ch of piece) {
        const b = byteOf.get(ch);
        if (b !== undefined) bytes[n++] = b;
      }
      return utf8.decode(bytes.subarray(0, n), { stream: true });
    };
  }

  get vocabSize(): number {
    return this.tok.get_vocab(true).size;
  }
}

/** GPT-2 byte-level alphabet, inverted: the printable stand-in character of each byte → the byte. */
function byteDecoder(): Map<string, number> {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map = new Map<string, number>();
  for (const b of printable) map.set(String.fromCodePoint(b), b);
  let extra = 0;
  for (let b = 0; b < 256; b++) if (!printable.includes(b)) map.set(String.fromCodePoint(256 + extra++), b);
  return map;
}
