export { BacsProcessor, type BacsProcessorOptions, type ProcessingRun, processorActor } from "./bacs-processor.js";
