import { z } from 'zod';
import { method } from './define.js';

/** The measuring tools whose results are kept (Cornerstone's tool names). */
export const MeasurementTool = z.enum(['Length', 'Angle', 'RectangleROI', 'EllipticalROI']);
export type MeasurementTool = z.infer<typeof MeasurementTool>;

/** How people call each tool's result. */
export const TOOL_LABEL: Record<MeasurementTool, string> = { Length: 'Length', Angle: 'Angle', RectangleROI: 'Rectangle', EllipticalROI: 'Ellipse' };

const uid = z.string().min(1, 'a UID must not be empty').max(64, 'a DICOM UID has at most 64 characters');
const point = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);

/**
 * What the viewer needs to draw a measurement again on its image: the handles in patient coordinates (mm) and the
 * plane they were drawn in, as Cornerstone records them.
 */
export const MeasurementGeometry = z
  .object({
    points: z.array(point).min(1, 'a measurement has at least one point').max(16),
    viewPlaneNormal: point.optional(),
    viewUp: point.optional(),
    frameOfReferenceUid: z.string().max(64).optional(),
  })
  .strict();
export type MeasurementGeometry = z.infer<typeof MeasurementGeometry>;

/** A measurement as the viewer saves it: where it was taken (study, series, image, frame), what, and its drawing. */
export const MeasurementInput = z
  .object({
    /** The annotation's own UID (the viewer's), so that an edit replaces the stored one. */
    uid: z.string().min(1).max(100),
    studyInstanceUid: uid,
    seriesInstanceUid: uid,
    sopInstanceUid: uid,
    /** 0-based frame of a multi-frame image (0 for single-frame images). */
    frame: z.number().int().nonnegative(),
    tool: MeasurementTool,
    /** Length in its unit, angle in degrees, an ROI's mean. */
    value: z.number().finite(),
    unit: z.string().max(32),
    /** The reader's name for it; empty: the tool's. */
    label: z.string().max(200).default(''),
    /** What a reader sees beyond the value (an ROI's SD and area), as the viewer wrote it. */
    detail: z.string().max(300).default(''),
    geometry: MeasurementGeometry,
  })
  .strict();
export type MeasurementInput = z.input<typeof MeasurementInput>;

export const Measurement = MeasurementInput.extend({ label: z.string(), detail: z.string(), createdAt: z.string(), updatedAt: z.string() });
export type Measurement = z.infer<typeof Measurement>;

/** A listed measurement with where it was taken in words ("series 2 (CT Chest), image 14, frame 3 of 96"). */
export const PlacedMeasurement = Measurement.extend({ where: z.string() });
export type PlacedMeasurement = z.infer<typeof PlacedMeasurement>;

export const measurementsMethods = {
  'measurements.list': method(
    z.object({ studyInstanceUid: uid }).strict(),
    z.object({ measurements: z.array(PlacedMeasurement) }),
    "A study's measurements, in the order they were made.",
  ),
  'measurements.save': method(MeasurementInput, Measurement, 'Save a measurement made in the viewer (a new one, or an edit of one with the same uid); its image must be in the studies database.'),
  'measurements.delete': method(z.object({ uid: z.string().min(1).max(100) }).strict(), z.object({ deleted: z.boolean() }), 'Delete a measurement (false: there was none with that uid).'),
};
