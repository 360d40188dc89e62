import { useState } from 'react';
import { AboutPanel } from './about/AboutPanel.js';

export function App() {
  const [about, setAbout] = useState(false);
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Med-RwR Workstation</span>
        <span className="label-disclaimer">Decision support, not for primary diagnosis</span>
        <nav>
          <button onClick={() => setAbout(true)}>About</button>
        </nav>
      </header>
      <main className="workspace">
        <p className="empty">Open a study to begin.</p>
      </main>
      {about && <AboutPanel onClose={() => setAbout(false)} />}
    </div>
  );
}
