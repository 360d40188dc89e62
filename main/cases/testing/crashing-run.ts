// A process that completes one case, then streams tokens into a second run until it is killed (store.test.ts).
import { APP_MIGRATIONS } from '../../app/migrations.js';
import { openAppDatabase } from '../../db/database.js';
import { CaseStore } from '../store.js';
import { KEY_IMAGE, completeRunDrafts, numbered } from './fixtures.js';

const store = new CaseStore(openAppDatabase(process.argv[2]!, APP_MIGRATIONS));
const input = { question: 'Which lesion?', options: [{ letter: 'A', text: 'Cyst' }], keyImages: [KEY_IMAGE], synthetic: true };
const done = store.createCase(input);
const first = store.startRun(done.id, {});
for (const e of numbered(first.id, [...completeRunDrafts(), { type: 'done', status: 'completed' }])) store.appendEvent(first.id, e);

const crashing = store.createCase({ ...input, question: 'Which lesion, again?' });
const run = store.startRun(crashing.id, {});
process.stdout.write(JSON.stringify({ completedCase: done.id, crashingCase: crashing.id }) + '\n');
let seq = 0;
store.appendEvent(run.id, numbered(run.id, [completeRunDrafts()[0]!], seq++)[0]!);
setInterval(() => {
  store.appendEvent(run.id, numbered(run.id, [{ type: 'token', round: 0, text: ' word', tokenId: 7, logprob: -1 }], seq)[0]!);
  if (seq++ === 25) process.stdout.write('streaming\n');
}, 2);
