export * from './process';
export * from './run';
export * from './receipt';
export * from './stripe-events';
export * from './rows';
