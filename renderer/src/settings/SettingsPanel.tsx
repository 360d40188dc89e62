import { useEffect, useState } from 'react';
import { ApiError, type ModelSummary, type Settings } from '../../../main/api/index.js';
import { useClient } from '../transport/context.js';
import { modelLine } from '../about/model-line.js';
import { ProviderOptions } from './ProviderOptions.js';
import './settings.css';

/** The persisted settings; the main side checks every value and a refusal is shown with its reason. */
export function SettingsPanel() {
  const client = useClient();
  const [saved, setSaved] = useState<Settings | null>(null);
  const [form, setForm] = useState<Settings | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string; fields?: string[] } | null>(null);
  const [model, setModel] = useState<ModelSummary | null>(null);
  useEffect(() => {
    client.call('app.info', {}).then((i) => setModel(i.model), () => setModel(null));
  }, [client, saved]);
  useEffect(() => {
    client.call('settings.get', {}).then(
      (s) => {
        setSaved(s);
        setForm(s);
      },
      (e: unknown) => setMessage({ kind: 'error', text: e instanceof Error ? e.message : String(e) }),
    );
  }, [client]);
  if (!form) return <div className="settings-panel">{message ? <p className="error">{message.text}</p> : <p className="muted pad">Loading…</p>}</div>;
  const set = (patch: Partial<Settings>) => setForm({ ...form, ...patch });
  const refused = (field: string) => message?.fields?.includes(field) ?? false;
  const num = (v: string) => (v.trim() === '' ? NaN : Number(v));
  const save = async () => {
    setMessage(null);
    try {
      const s = await client.call('settings.set', form);
      setSaved(s);
      setForm(s);
      setMessage({ kind: 'ok', text: 'Saved.' });
    } catch (e) {
      setMessage({ kind: 'error', text: e instanceof ApiError || e instanceof Error ? e.message : String(e), fields: e instanceof ApiError ? refusedFields(e.details) : [] });
    }
  };
  return (
    <form
      className="settings-panel"
      data-testid="settings-panel"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label>
        Model folder
        <input name="modelDir" value={form.modelDir} aria-invalid={refused('modelDir')} onChange={(e) => set({ modelDir: e.target.value })} spellCheck={false} />
      </label>
      <label>
        Model variant
        <select name="modelDtype" value={form.modelDtype} onChange={(e) => set({ modelDtype: e.target.value as Settings['modelDtype'] })}>
          <option value="auto">Auto (q4f16 on a GPU, q4 on the CPU, else what the package has)</option>
          <option value="q4">q4: 4-bit weights</option>
          <option value="q4f16">q4f16: 4-bit weights, fp16 arithmetic</option>
          <option value="fp16">fp16</option>
          <option value="fp32">fp32</option>
        </select>
      </label>
      {model && (
        <p className={'error' in model ? 'error' : 'muted'} data-testid="settings-model">
          {modelLine(model)}
        </p>
      )}
      <fieldset>
        <legend>Knowledge base</legend>
        <select aria-label="Knowledge base kind" value={form.kb.kind} onChange={(e) => set({ kb: e.target.value === 'remote' ? { kind: 'remote', url: 'http://127.0.0.1:8000' } : e.target.value === 'none' ? { kind: 'none' } : { kind: 'local', dir: 'kb/demo/index' } })}>
          <option value="local">Local folder</option>
          <option value="remote">Remote retriever (URL)</option>
          <option value="none">None</option>
        </select>
        {form.kb.kind === 'local' && <input aria-label="Knowledge base folder" value={form.kb.dir} aria-invalid={refused('kb.dir')} spellCheck={false} onChange={(e) => set({ kb: { kind: 'local', dir: e.target.value } })} />}
        {form.kb.kind === 'remote' && <input aria-label="Remote retriever URL" value={form.kb.url} onChange={(e) => set({ kb: { kind: 'remote', url: e.target.value } })} />}
      </fieldset>
      <label>
        Execution provider
        <select value={form.executionProvider} onChange={(e) => set({ executionProvider: e.target.value as Settings['executionProvider'] })}>
          <ProviderOptions />
        </select>
      </label>
      <label>
        CDIR threshold (0–1)
        <input name="cdirThreshold" type="number" step="0.05" value={Number.isNaN(form.cdirThreshold) ? '' : form.cdirThreshold} onChange={(e) => set({ cdirThreshold: num(e.target.value) })} />
      </label>
      <label>
        Rounds (1–3)
        <input name="rounds" type="number" value={Number.isNaN(form.rounds) ? '' : form.rounds} onChange={(e) => set({ rounds: num(e.target.value) })} />
      </label>
      <label>
        Passages per query, k (1–10)
        <input name="k" type="number" value={Number.isNaN(form.k) ? '' : form.k} onChange={(e) => set({ k: num(e.target.value) })} />
      </label>
      <label>
        Max image pixels
        <input name="maxImagePixels" type="number" value={Number.isNaN(form.maxImagePixels) ? '' : form.maxImagePixels} onChange={(e) => set({ maxImagePixels: num(e.target.value) })} />
      </label>
      <div className="settings-actions">
        <button type="submit" className="primary">
          Save settings
        </button>
        <button type="button" onClick={() => saved && setForm(saved)}>
          Revert
        </button>
      </div>
      {message && (
        <p className={message.kind === 'ok' ? 'ok' : 'error'} data-testid="settings-message" role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </form>
  );
}

/** The settings a refusal names (its details: [{ path, message }]), to mark their fields. */
function refusedFields(details: unknown): string[] {
  return Array.isArray(details) ? details.flatMap((d: unknown) => (typeof d === 'object' && d !== null && typeof (d as { path?: unknown }).path === 'string' ? [(d as { path: string }).path] : [])) : [];
}
