import engine from './engine';
import outbox from './outbox';

export default { engine, outbox };
