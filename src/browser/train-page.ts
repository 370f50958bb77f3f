// The training page (dist/browser/index.html): classes of images from files, folders or the
// webcam, a ResNet-50 backbone kept in this browser's storage, the article's training on
// WebGPU with live curves and a Stop button, then predictions (dropped images, the webcam
// live), a confusion matrix of the held-out images, and the model exported in the format
// `node dist/predict.js --model DIR` reads. Everything goes through the library's Backbone
// and Classifier, the path train.js and predict.js take. The element ids are docs/browser.md's.
//
// Five panels (./panels/) share one state object (./page-state.ts) and re-render themselves
// when it changes; this file only wires them.
import { byId } from './page.js';
import { PageState, action } from './page-state.js';
import { BackbonePanel } from './panels/backbone.js';
import { ClassesPanel } from './panels/classes.js';
import { ModelPanel } from './panels/model.js';
import { ProjectPanel } from './panels/project.js';
import { TrainingPanel } from './panels/training.js';

const state = new PageState(byId<HTMLVideoElement>('camera'));
const backbone = new BackbonePanel(state);
new ClassesPanel(state);
new TrainingPanel(state);
new ModelPanel(state);
const project = new ProjectPanel(state);

state.addClass();
state.addClass();
state.changed('classes');
action(async () => {
  try {
    try {
      await backbone.device();
      await backbone.restore();
    } finally {
      await project.restore();
    }
  } finally {
    document.body.dataset.ready = 'true';
  }
}, 'weights-status')();
