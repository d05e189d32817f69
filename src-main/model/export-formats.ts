/** The files a run (or a comparison, for html) can be exported as. */
export const EXPORT_FORMATS = ['json', 'json.gz', 'csv', 'csv-metrics', 'csv-records', 'csv-events', 'trace', 'html'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
