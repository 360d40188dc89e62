import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../app/paths.js';

/**
 * The Python that converts and quantizes models (`models/`, run as modules from the install folder): `MEDRWR_PYTHON`,
 * else `python3` on the PATH. Before running anything the modules it needs are imported once, so a missing one is named
 * with what to install instead of a traceback halfway through a multi-GB conversion.
 */
export function pythonCommand(): string {
  return process.env.MEDRWR_PYTHON || 'python3';
}

const INSTALL: Record<string, string> = {
  numpy: 'python3-numpy (Debian/Ubuntu: apt install python3-numpy; elsewhere: pip install numpy)',
  onnx: 'python3-onnx (Debian/Ubuntu: apt install python3-onnx; elsewhere: pip install onnx)',
  torch: 'python3-torch (Debian/Ubuntu: apt install python3-torch; elsewhere: pip install torch)',
};

/** null when Python runs and imports every module; otherwise what is missing and how to install it, in words. */
export function missingPython(modules: readonly string[]): string | null {
  const py = pythonCommand();
  const probe = `import importlib.util, sys\nsys.stdout.write(",".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))`;
  const r = spawnSync(py, ['-c', probe, ...modules], { encoding: 'utf8' });
  if (r.error) {
    return `Python 3 is needed and "${py}" cannot be run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}). Install Python 3 (Debian/Ubuntu: apt install python3) or set MEDRWR_PYTHON to the python3 to use.`;
  }
  if (r.status !== 0) return `"${py}" failed to start (exit ${r.status}): ${r.stderr.trim().split('\n').pop() ?? ''}. Set MEDRWR_PYTHON to a working python3.`;
  const missing = r.stdout.split(',').filter(Boolean);
  if (missing.length === 0) return null;
  return `${py} lacks the Python module${missing.length > 1 ? 's' : ''} ${missing.join(', ')}. Install ${missing.map((m) => INSTALL[m] ?? m).join('; ')}; or set MEDRWR_PYTHON to a python3 that has them.`;
}

/** Whether the Python module `models.a.b` is in this install (a folder with __init__.py or a .py file). */
export function hasPythonModule(module: string): boolean {
  const rel = join(projectRoot(), ...module.split('.'));
  return existsSync(`${rel}.py`) || existsSync(join(rel, '__init__.py'));
}

/** Runs `python -m module args` from the install folder, its output passed through; resolves to its exit code. */
export function runPythonModule(module: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonCommand(), ['-m', module, ...args], { cwd: projectRoot(), stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
