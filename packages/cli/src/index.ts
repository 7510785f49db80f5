export { buildProgram, main, configJsonSchema, VERSION } from './main.js';
export { runCommand, DEFAULT_CONFIG, type RunFlags, type RunOutcome } from './commands/run-command.js';
export { labelCommand } from './commands/label-command.js';
export { sweepCommand } from './commands/sweep-command.js';
export { reportCommand } from './commands/report-command.js';
export { loadConfig, parseConfig, type LoadedConfig } from './config/load-config.js';
export { configSchema, type DistilleryConfig, type DistilleryConfigInput } from './config/config-schema.js';
export { formatReport, gapClosed } from './report-text.js';
export { renderPlot, type RenderedPlot } from './report/render-plot.js';
