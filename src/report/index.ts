/** The reports made from a RunResult (result.json): TAP, JUnit XML, the HTML report; and the stats for `summary`. */
export { renderTap } from './tap.js';
export { renderJunit } from './junit.js';
export { renderHtml } from './html.js';
export { stats, nearestRank, summarize } from './stats.js';
export { writeReports, readRunResult, ResultFileError, RESULT_FILE, JUNIT_FILE, HTML_FILE } from './write.js';
