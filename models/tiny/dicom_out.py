"""Write the synthetic images as DICOM the app opens like any other. Every file says it is synthetic."""
from __future__ import annotations

import datetime

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from models.tiny.render import CT_WINDOW

US_SOP = "1.2.840.10008.5.1.4.1.1.6.1"        # Ultrasound Image Storage
US_MF_SOP = "1.2.840.10008.5.1.4.1.1.3.1"     # Ultrasound Multi-frame Image Storage
CT_SOP = "1.2.840.10008.5.1.4.1.1.2"          # CT Image Storage
UID_ROOT = "1.2.826.0.1.3680043.8.498."       # pydicom's example root; UIDs derived from the seed


def _uid(key: str) -> str:
    return generate_uid(prefix=UID_ROOT, entropy_srcs=[key])


def _base(sop_class: str, key: str, modality: str, description: str) -> FileDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = _uid(key + "/sop")
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = _uid("medrwr-tiny-implementation")
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = _uid(key + "/study")
    ds.SeriesInstanceUID = _uid(key + "/series")
    ds.PatientName = "DEMO^SYNTHETIC"
    ds.PatientID = "SYNTHETIC-" + key.replace("/", "-")[-24:]
    ds.PatientBirthDate, ds.PatientSex = "", "O"
    ds.StudyDate = ds.SeriesDate = "20260101"
    ds.StudyTime = "120000"
    ds.AccessionNumber = ""
    ds.ReferringPhysicianName = ""
    ds.StudyID = "1"
    ds.SeriesNumber, ds.InstanceNumber = 1, 1
    ds.Modality = modality
    ds.StudyDescription = f"SYNTHETIC demo study, not a patient: {description}"
    ds.SeriesDescription = "SYNTHETIC generated image"
    ds.Manufacturer = "medrwr-tiny synthetic world"
    ds.BurnedInAnnotation = "NO"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    return ds


def write_us(path: str, key: str, frames: np.ndarray, description: str) -> None:
    """8-bit ultrasound-like: one frame (US Image Storage) or a cine loop with FrameTime."""
    multi = frames.shape[0] > 1
    ds = _base(US_MF_SOP if multi else US_SOP, key, "US", description)
    ds.Rows, ds.Columns = frames.shape[1], frames.shape[2]
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    if multi:
        ds.NumberOfFrames = frames.shape[0]
        ds.FrameTime = 50.0
        ds.FrameIncrementPointer = pydicom.tag.Tag(0x0018, 0x1063)
        ds.CineRate = 20
    ds.PixelData = np.ascontiguousarray(frames if multi else frames[0]).astype(np.uint8).tobytes()
    ds.save_as(path, write_like_original=False)


def write_ct(path: str, key: str, hu: np.ndarray, description: str) -> None:
    """16-bit CT-like: stored = HU + 1024 (unsigned), RescaleSlope 1, RescaleIntercept -1024, soft-tissue window."""
    ds = _base(CT_SOP, key, "CT", description)
    ds.Rows, ds.Columns = hu.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = 1, -1024, "HU"
    ds.WindowCenter, ds.WindowWidth = CT_WINDOW
    ds.PixelSpacing = [0.8, 0.8]
    ds.SliceThickness = 2.0
    ds.ImagePositionPatient = [0, 0, 0]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.KVP = 120
    ds.PixelData = (hu.astype(np.int32) + 1024).clip(0, 4095).astype(np.uint16).tobytes()
    ds.save_as(path, write_like_original=False)


_ = datetime  # dates are fixed so rebuilds are byte-identical
