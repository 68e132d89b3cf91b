package dev.attnc.ffm.cuda;

/** What a {@link CudaContext} frees on close if its user did not: device memory and modules. */
sealed interface Owned extends AutoCloseable permits DeviceBuffer, CudaModule {
    @Override
    void close();
}
