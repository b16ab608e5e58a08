/** The view model: types, the reducer that folds watch events into a state, and selectors that read it. */
export * from './types.js';
export * from './reducer.js';
export * from './selectors.js';
export * from './group.js';
