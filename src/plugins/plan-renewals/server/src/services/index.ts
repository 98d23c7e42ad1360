import engine from './engine';

export default { engine };
