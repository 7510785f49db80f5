// Worker entry in plain JavaScript: registers tsx's loader in this thread, then imports the
// TypeScript entry (Distillery packages run from source, with no build step).
import { register } from 'tsx/esm/api';

register();
await import(new URL('./remote-trainer-worker.ts', import.meta.url).href);
