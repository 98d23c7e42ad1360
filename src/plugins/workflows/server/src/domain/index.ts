export * from './definition';
export * from './errors';
export * from './progress';
export * from './validate';
export * from './tasks';
export * from './rows';
