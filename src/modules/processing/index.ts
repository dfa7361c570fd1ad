export { BacsProcessor, processorActor, type BacsProcessorOptions, type ProcessingRun } from "./bacs-processor.js";
