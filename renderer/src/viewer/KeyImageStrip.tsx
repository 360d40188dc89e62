import { useEffect, useState } from 'react';
import { useServices } from '../services/context.js';
import { useKeyImages, type KeyImage } from '../services/keyImages.js';
import { useViewerNavigation } from '../services/navigation.js';

/**
 * The marked key images, each shown as main/dicom renders it for the model (instances.render at the stored
 * window/level), so the strip doubles as a check that the model sees what the clinician saw. A tile shows its image in
 * the viewer (loading its series if it is not open) at the stored window.
 */
export function KeyImageStrip() {
  const { keyImages } = useServices();
  const items = useKeyImages();
  if (items.length === 0) return null;
  return (
    <div className="key-strip" data-testid="key-images">
      <span className="key-strip-title">Key images ({items.length})</span>
      {items.map((k) => (
        <KeyImageTile key={`${k.id}@${k.markedAt}`} item={k} />
      ))}
      <button className="key-clear" onClick={() => keyImages.clear()}>
        Clear
      </button>
    </div>
  );
}

function KeyImageTile({ item }: { item: KeyImage }) {
  const { client, keyImages } = useServices();
  const navigation = useViewerNavigation();
  const show = () =>
    void navigation
      .open({
        studyUid: item.studyInstanceUid,
        seriesUid: item.seriesInstanceUid,
        sopInstanceUid: item.sopInstanceUid,
        frame: item.frame,
        voi: { center: item.windowCenter, width: item.windowWidth },
      })
      .catch(() => undefined); // the viewer's banner says why
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    client
      .call('instances.render', {
        sopInstanceUid: item.sopInstanceUid,
        frame: item.frame,
        window: { center: item.windowCenter, width: item.windowWidth },
        invert: item.invert,
      })
      .then(
        (r) => current && setSrc(r.png),
        (err: unknown) => current && setError(err instanceof Error ? err.message : String(err)),
      );
    return () => {
      current = false;
    };
  }, [client, item]);
  return (
    <figure className="key-tile" data-testid="key-image" data-sop={item.sopInstanceUid} data-frame={item.frame} title={`${item.label}\nW ${item.windowWidth} L ${item.windowCenter}${item.invert ? ' inverted' : ''}`}>
      <button className="key-thumb" aria-label={`Show ${item.label}`} onClick={show}>
        {src ? <img src={src} alt={item.label} /> : <span className={error ? 'error' : 'muted'}>{error ? '!' : '…'}</span>}
      </button>
      <figcaption>
        <span>{item.label}</span>
        <button className="icon" aria-label="Remove key image" onClick={() => keyImages.remove(item.id)}>
          ✕
        </button>
      </figcaption>
    </figure>
  );
}
