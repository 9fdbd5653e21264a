-- FaceAuth shows a face's ID as a number: each face gets one, counted per
-- app from 1 in enrollment order. apps.faces_numbered is the last number
-- given, so that a deleted face's number is never given to another.
ALTER TABLE apps ADD COLUMN faces_numbered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE faces ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE faces SET number = (
    SELECT COUNT(*) FROM faces f
    WHERE f.app_id = faces.app_id
      AND (f.created_at < faces.created_at OR (f.created_at = faces.created_at AND f.id <= faces.id)));
UPDATE apps SET faces_numbered = (SELECT COALESCE(MAX(number), 0) FROM faces WHERE faces.app_id = apps.id);
CREATE UNIQUE INDEX faces_number ON faces (app_id, number);
