/**
 * The Web Worker that checks designs off the main thread (issue 11: "validation and placement run off
 * the main thread with a time budget, so no design can freeze or crash the tab"). It runs the engine
 * as it is (framework-free, no DOM) on a structured clone of the design and answers each request
 * once, keeping only the design its drop verdicts judge (checkAnswer.ts); the page (checker.ts)
 * terminates it when an answer takes longer than the budget.
 */
import type { CheckRequest } from './checker.ts';
import { createCheckAnswerer } from './checkAnswer.ts';

const answer = createCheckAnswerer();
addEventListener('message', (e: MessageEvent<CheckRequest>) => postMessage(answer(e.data)));
