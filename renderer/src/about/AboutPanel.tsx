import { useEffect, useState } from 'react';
import type { AppInfo } from '../../../main/api/index.js';
import { useClient } from '../transport/context.js';
import { modelLine } from './model-line.js';

export function AboutPanel({ onClose }: { onClose: () => void }) {
  const client = useClient();
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    client.call('app.info', {}).then(setInfo, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client]);
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <section className="modal" role="dialog" aria-labelledby="about-title" onClick={(e) => e.stopPropagation()}>
        <header>
          <h2 id="about-title">About Med-RwR Workstation</h2>
          <button onClick={onClose} aria-label="Close">×</button>
        </header>
        {error && <p className="error">{error}</p>}
        {!info && !error && <p>Loading…</p>}
        {info && (
          <dl className="about" data-testid="about">
            <dt>Version</dt>
            <dd data-field="version">{info.version}</dd>
            <dt>Transport</dt>
            <dd data-field="transport">{info.transport === 'web' ? 'Web mode (loopback)' : 'Electron'}</dd>
            <dt>Platform</dt>
            <dd data-field="platform">
              {info.platform} {info.arch} · Node {info.nodeVersion}
            </dd>
            <dt>Data directory</dt>
            <dd data-field="dataDir">{info.dataDir}</dd>
            <dt>Model</dt>
            <dd data-field="model" className={'error' in info.model ? 'error' : undefined}>
              {modelLine(info.model)}
            </dd>
            <dt>Execution providers</dt>
            <dd data-field="executionProviders">
              {info.executionProviders.map((ep) => (
                <span key={ep.name} className={`chip ${ep.bundled ? '' : 'muted'}`} title={ep.bundled ? 'bundled' : 'needs an opt-in install'}>
                  {ep.name}
                  {ep.bundled ? '' : ' (not installed)'}
                </span>
              ))}
            </dd>
            <dt>GPU</dt>
            <dd data-field="gpu">
              {info.gpu.devices.length ? info.gpu.devices.join('; ') : 'none visible'}
              {info.gpu.vulkanDriver && (
                <>
                  {' · Vulkan '}
                  {info.gpu.vulkanDriver}
                  {info.gpu.software ? ' (software: correct but slow)' : ''}
                </>
              )}
            </dd>
            <dt>Libraries</dt>
            <dd data-field="libraries">
              <table>
                <tbody>
                  {Object.entries(info.libraries).map(([name, version]) => (
                    <tr key={name}>
                      <td>{name}</td>
                      <td>{version}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </dd>
          </dl>
        )}
        <p className="disclaimer">{info?.disclaimer ?? 'Decision support, not for primary diagnosis'}</p>
      </section>
    </div>
  );
}
