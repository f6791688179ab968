package dev.ghactivity.sink.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Fault injection for the embedded S3 server's store: while {@link #full(boolean) full}, every object write fails
 * inside the server the way a full data directory makes it fail ({@code No space left on device}), and clients
 * get a 500; reads still work.
 */
final class FullDiskBlobStore extends ForwardingBlobStore {
    private volatile boolean full;

    FullDiskBlobStore(BlobStore delegate) {
        super(delegate);
    }

    void full(boolean full) {
        this.full = full;
    }

    private void check() {
        if (full) {
            throw new UncheckedIOException(new IOException("No space left on device"));
        }
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream content) {
        check();
        return super.putBlob(request, content);
    }

    @Override
    public CopyObjectResponse copyBlob(CopyObjectRequest request) {
        check();
        return super.copyBlob(request);
    }

    @Override
    public UploadPartResponse uploadMultipartPart(MultipartUpload upload, UploadPartRequest request, InputStream content) {
        check();
        return super.uploadMultipartPart(upload, request, content);
    }
}
