export * from './currency';
export * from './money';
export * from './tax';
export * from './invoice';
export * from './period';
export * from './status';
export * from './email';
export * from './mrr';
