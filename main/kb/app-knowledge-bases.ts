import { resolve } from 'node:path';
import { openKnowledgeBase, type KnowledgeBase } from './open.js';

/** The app's open knowledge bases, one per folder; a failed open is not remembered, so fixing the folder and retrying works. */
export class KnowledgeBases {
  private readonly byDir = new Map<string, Promise<KnowledgeBase>>();

  get(dir: string): Promise<KnowledgeBase> {
    const key = resolve(dir);
    let kb = this.byDir.get(key);
    if (!kb) {
      kb = openKnowledgeBase(key);
      this.byDir.set(key, kb);
      kb.catch(() => this.byDir.delete(key));
    }
    return kb;
  }

  async close(): Promise<void> {
    for (const kb of this.byDir.values()) await kb.then((k) => k.close()).catch(() => undefined);
    this.byDir.clear();
  }
}
