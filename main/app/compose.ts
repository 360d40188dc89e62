import type Database from 'better-sqlite3';
import type { RetrieveReport } from '../api/pacs.js';
import type { ImportReport } from '../api/studies.js';
import { OpenResources, engineReasoner } from '../cases/engine-reasoner.js';
import { renderKeyImage } from '../cases/key-images.js';
import { MeasurementStore } from '../cases/measurements.js';
import type { PathsPort, StudiesPort } from '../cases/ports.js';
import { RunService } from '../cases/run-service.js';
import { openCaseStore } from '../cases/service.js';
import type { CaseStore } from '../cases/store.js';
import { openAppDatabase } from '../db/database.js';
import { importFinished, startImport } from '../dicom/importer.js';
import { instanceTags, renderInstance } from '../dicom/instances.js';
import { instanceDescription, instanceLocation, instanceOwner } from '../dicom/queries.js';
import { DicomWorker } from '../dicom/worker/client.js';
import { KnowledgeBases } from '../kb/app-knowledge-bases.js';
import { caseSr } from '../pacs/case-sr.js';
import type { CaseSrWriter } from '../reports/export.js';
import type { AppContext } from './context.js';
import { APP_MIGRATIONS } from './migrations.js';
import { projectRoot } from './paths.js';
import { getters, Lifecycle } from './services.js';
import { TaskRegistry } from './tasks.js';

/**
 * The app's long-lived services, each a typed field built on first use. The composition root (`composeApp`) is the one
 * place that knows how they depend on each other: it declares them in dependency order and wires each domain's ports
 * to the domain that implements them, so no domain imports another one's services.
 */
export interface AppServices {
  /** True once shutdown has begun: new calls are refused. */
  readonly closing: boolean;
  readonly paths: PathsPort;
  /** The app database (better-sqlite3, WAL; every module's migrations). */
  readonly db: Database.Database;
  /** The DICOM worker thread: all file reading and decoding. */
  readonly dicom: DicomWorker;
  readonly imports: TaskRegistry<ImportReport>;
  /** main/dicom as cases and reports see it. */
  readonly studies: StudiesPort;
  readonly cases: CaseStore;
  /** The viewer's measurements, kept per image. */
  readonly measurements: MeasurementStore;
  readonly knowledgeBases: KnowledgeBases;
  /** The model and knowledge base runs use, kept open between runs. */
  readonly reasoning: OpenResources;
  readonly runs: RunService;
  readonly retrieves: TaskRegistry<RetrieveReport>;
  /** main/pacs's DICOM SR writer, for main/reports's SR export. */
  readonly caseSr: CaseSrWriter;
  /** Ordered teardown: refuse new work, drain runs, imports and retrieves, then close the rest in reverse order. */
  close(): Promise<void>;
}

/** Builds an app's services over its process context (data directory, events, logger); used by every entry point. */
export function composeApp(base: Omit<AppContext, 'services'>): AppContext {
  const life = new Lifecycle();

  // Declared in dependency order: each slot only uses slots declared above it, and they close bottom-up.
  const paths: PathsPort = { installDir: projectRoot() };
  const db = life.slot(() => openAppDatabase(ctx.dataDir, APP_MIGRATIONS), (d) => d.close());
  const dicom = life.slot(() => new DicomWorker().start(), (w) => w.close());
  // Imports cancelled on shutdown keep what they indexed.
  const imports = life.slot(() => new TaskRegistry<ImportReport>(), (r) => r.stopAll(), { drain: true });
  const studies: StudiesPort = {
    renderRgb: (sop, opts) => renderInstance(ctx, sop, opts),
    tags: (sop) => instanceTags(ctx, sop),
    importFiles: async (files) => {
      const report = await importFinished(ctx, startImport(ctx, files));
      if (!report) throw new Error('the import ended without a report');
      return report;
    },
    owner: (sop) => instanceOwner(ctx, sop),
    location: (sop) => instanceLocation(ctx, sop),
    describe: (sop) => instanceDescription(ctx, sop),
  };
  const cases = life.slot(() => openCaseStore(db(), studies.owner, ctx.logger));
  const measurements = life.slot(() => new MeasurementStore(db(), studies.location));
  const knowledgeBases = life.slot(() => new KnowledgeBases(), (k) => k.close());
  const reasoning = life.slot(() => new OpenResources(paths, (dir) => knowledgeBases().get(dir)), (r) => r.close());
  // Runs end (interrupted) before the engine and knowledge base they use close.
  const runs = life.slot(() => new RunService(ctx, cases(), { reasoner: engineReasoner, renderImage: (key) => renderKeyImage(studies, key) }), (s) => s.shutdown(), { drain: true });
  // Retrieves stopped on shutdown stay on disk for a resume.
  const retrieves = life.slot(() => new TaskRegistry<RetrieveReport>(), (r) => r.stopAll(), { drain: true });

  const services: AppServices = Object.assign(getters({ closing: () => life.closing, db, dicom, imports, cases, measurements, knowledgeBases, reasoning, runs, retrieves }), {
    paths,
    studies,
    caseSr: ((opts) => caseSr(ctx, opts)) satisfies CaseSrWriter,
    close: () => life.close(),
  });
  const ctx: AppContext = { ...base, services };
  return ctx;
}
