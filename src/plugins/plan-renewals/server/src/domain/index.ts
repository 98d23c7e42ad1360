export * from './process';
export * from './run';
