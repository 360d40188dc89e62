import { useEffect, useRef } from 'react';
import type { Cdir } from '../../../main/api/trace.js';
import { pct } from '../../../main/api/assessment.js';

/** Said plainly: the first answer was unsure, a similar reference image was consulted, and what came of it. */
export function CdirAlert({ cdir }: { cdir: Cdir }) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    // A block body: newer Chromium returns a Promise from scrollIntoView, which React would take for a cleanup.
    void ref.current?.scrollIntoView({ block: 'nearest' });
  }, []);
  return (
    <section ref={ref} className="cdir-alert" data-testid="cdir-alert" role="status">
      <header>
        CDIR: confidence {pct(cdir.before)} was under the threshold {pct(cdir.threshold)}; a similar reference image was consulted.
      </header>
      <div className="cdir-body">
        {cdir.similar ? (
          <figure className="cdir-ref" data-testid="cdir-reference">
            <img src={cdir.similar.thumbnail} alt="most similar reference image" />
            <figcaption>
              {cdir.similar.caption}
              <span className="muted"> · similarity {cdir.similar.score.toFixed(3)}</span>
            </figcaption>
          </figure>
        ) : (
          <p className="muted">No similar reference image was found.</p>
        )}
        <dl className="cdir-figures">
          <dt>Before</dt>
          <dd data-testid="cdir-before">
            {cdir.letterBefore ?? ''} {pct(cdir.before)}
          </dd>
          <dt>After</dt>
          <dd data-testid="cdir-after">{cdir.after === null && cdir.changed === null ? 'answering again…' : `${cdir.letterAfter ?? ''} ${pct(cdir.after)}`}</dd>
          <dt>Answer</dt>
          <dd data-testid="cdir-changed">{cdir.changed === null ? '…' : cdir.changed ? 'changed' : 'unchanged'}</dd>
        </dl>
      </div>
    </section>
  );
}
