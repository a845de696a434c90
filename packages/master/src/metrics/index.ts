export { MasterMetrics, type AuthRefusal, type MetricsSource } from './master-metrics';
export { MetricsRegistry, Counter, Gauge, Histogram, type Metric, type Sample, type Labels } from './registry';
export { exposition, CONTENT_TYPE } from './exposition';
export { MetricsServer } from './http';
export { parseExposition, sampleValue, type ParsedFamily, type ParsedSample } from './parse';
