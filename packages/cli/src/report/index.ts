export { writeReport } from './write-report.js';
export type { ModelSpeed, ReportData, RunReportData, SweepReportData } from './report-data.js';
