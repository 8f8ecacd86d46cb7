export { createApp, type AppOptions } from './app.js';
export { startServer, tlsOptions, type RunningServer, type StartOptions } from './server.js';
export { stopOnSignal } from './shutdown.js';
