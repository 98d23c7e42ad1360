/** The engine's clock, which every step, payment and task of this process reads. */
export { at, now, today } from '../../../workflows/server/src/clock';
