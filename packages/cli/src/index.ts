export { buildProgram, main } from './main.js';
export { runDefaultJob, DEFAULT_JOB, type DefaultJobOptions } from './default-job.js';
export { formatReport, gapClosed } from './report-text.js';
