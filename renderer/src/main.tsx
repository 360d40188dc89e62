import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { ServicesContext } from './services/context.js';
import { createServices } from './services/services.js';
import './styles.css';

// Built once, before the first render (StrictMode renders twice; the services must not be built twice).
const services = createServices();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ServicesContext.Provider value={services}>
      <App />
    </ServicesContext.Provider>
  </StrictMode>,
);
