export * from './process';
export * from './run';
export * from './receipt';
