import engine from './engine';
import mrr from './mrr';
import outbox from './outbox';

export default { engine, mrr, outbox };
